// npm run token:list — every API token: id, name, role and unit, created, expires, last used, status.
// Never the token itself (only its hash is stored).
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { listApiTokens } from "../http/apiTokens.ts";

loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
const tokens = await listApiTokens(db, new Date());
await db.$disconnect();
const STATUS = { active: "有效", expired: "已过期", revoked: "已吊销" } as const;
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");
if (!tokens.length) console.log("没有 API 令牌（npm run token:create 创建）");
else {
  console.log(["编号", "名称", "角色", "创建", "到期", "最近使用", "状态"].join("\t"));
  for (const t of tokens) {
    const who = t.role === "unit" ? `承办单位 ${t.unit?.name ?? "?"}` : "系统（工作人员）";
    console.log([`#${t.id}`, t.name, who, day(t.createdAt), day(t.expiresAt), day(t.lastUsedAt), STATUS[t.status]].join("\t"));
  }
}
