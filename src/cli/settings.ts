// npm run settings                         shows the follow-up settings (quiet hours, reminder points …)
// npm run settings -- quietHours '{"start":"22:00","end":"07:30"}'   changes one (the value is JSON)
// The running service reads them at its next follow-up pass: no restart needed.
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { DEFAULT_SETTINGS, SettingsStore, settingsSchema, type Settings } from "../settings.ts";

loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
const store = new SettingsStore(db);
const [key, raw] = process.argv.slice(2);

if (key) {
  if (!(key in settingsSchema.shape)) {
    console.error(`没有设置项“${key}”。可用：${Object.keys(settingsSchema.shape).join("、")}`);
    process.exit(2);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw ?? "");
  } catch {
    console.error(`值必须是 JSON，例如 ${JSON.stringify(DEFAULT_SETTINGS[key as keyof Settings])}`);
    process.exit(2);
  }
  const field = settingsSchema.shape[key as keyof Settings];
  const checked = field.safeParse(value);
  if (!checked.success) {
    console.error(`“${key}”的值无效：${checked.error.issues.map((i) => `${i.path.join(".") || key} ${i.message}`).join("；")}`);
    process.exit(1);
  }
  await store.update({ [key]: checked.data } as Partial<Settings>);
}
const current = await store.current();
for (const [k, v] of Object.entries(current)) {
  console.log(`${k.padEnd(24)} ${JSON.stringify(v)}${JSON.stringify(v) === JSON.stringify(DEFAULT_SETTINGS[k as keyof Settings]) ? "" : "   （已修改）"}`);
}
await db.$disconnect();
