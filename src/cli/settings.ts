// npm run settings                         shows the follow-up settings (quiet hours, reminder points …)
// npm run settings -- quietHours '{"start":"22:00","end":"07:30"}'   changes one (the value is JSON)
// The running service reads them at its next follow-up pass: no restart needed.
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { checkSettingChanges, DEFAULT_SETTINGS, SettingsStore, type Settings } from "../settings.ts";

loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
const store = new SettingsStore(db);
const [key, raw] = process.argv.slice(2);

if (key) {
  let value: unknown;
  try {
    value = JSON.parse(raw ?? "");
  } catch {
    const example = Object.hasOwn(DEFAULT_SETTINGS, key) ? DEFAULT_SETTINGS[key as keyof Settings] : DEFAULT_SETTINGS.quietHours;
    console.error(`值必须是 JSON，例如 ${JSON.stringify(example)}`);
    process.exit(2);
  }
  // The same checks as the console's settings page: known keys only, each value by its schema, weights adding up to 1.
  let changes: Partial<Settings>;
  try {
    changes = checkSettingChanges({ [key]: value });
  } catch (err) {
    console.error(`${(err as Error).message}。可用：${Object.keys(DEFAULT_SETTINGS).join("、")}`);
    process.exit(1);
  }
  await store.update(changes);
}
const current = await store.current();
for (const [k, v] of Object.entries(current)) {
  console.log(`${k.padEnd(24)} ${JSON.stringify(v)}${JSON.stringify(v) === JSON.stringify(DEFAULT_SETTINGS[k as keyof Settings]) ? "" : "   （已修改）"}`);
}
await db.$disconnect();
