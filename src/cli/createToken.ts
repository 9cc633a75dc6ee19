// npm run token:create -- --name 物业系统 --unit 阳光花园物业服务中心   (a unit's token: its own cases only)
// npm run token:create -- --name 12345平台 --role worker --days 90      (a system acting for community workers)
// The token is printed once; only its hash is stored. It expires after --days days (365 unless given).
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { createApiToken, TOKEN_DAYS } from "../http/apiTokens.ts";

const { values } = parseArgs({ options: { name: { type: "string" }, unit: { type: "string" }, role: { type: "string" }, days: { type: "string" } } });
const role = values.role ?? (values.unit ? "unit" : undefined);
const days = values.days === undefined ? TOKEN_DAYS : Number(values.days);
if (!values.name || (role !== "unit" && role !== "worker") || (role === "unit" && !values.unit) || !Number.isInteger(days) || days < 1 || days > 3650) {
  console.error("用法：npm run token:create -- --name 名称 --unit 单位名称   或   --name 名称 --role worker；有效期 --days 天数（1–3650，默认 365）");
  process.exit(2);
}
loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
let unitId: number | null = null;
if (role === "unit") {
  const unit = await db.unit.findUnique({ where: { name: values.unit! } });
  if (!unit) {
    console.error(`没有名为“${values.unit}”的单位`);
    process.exit(1);
  }
  unitId = unit.id;
}
const { token, id, expiresAt } = await createApiToken(db, { name: values.name, role, unitId, days, now: new Date() });
await db.$disconnect();
console.log(`已创建令牌 #${id}，有效期至 ${expiresAt.toISOString()}（令牌只显示这一次，请妥善保存）：\n${token}`);
