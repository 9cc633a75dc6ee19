// npm run token:revoke -- <id>   (the id from npm run token:list): the token answers 401 from now on.
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { revokeApiToken } from "../http/apiTokens.ts";

const id = Number(process.argv[2]?.replace(/^#/, ""));
if (!Number.isInteger(id) || id < 1) {
  console.error("用法：npm run token:revoke -- 令牌编号（见 npm run token:list）");
  process.exit(2);
}
loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
const revoked = await revokeApiToken(db, id, new Date());
await db.$disconnect();
if (!revoked) {
  console.error(`没有编号为 ${id} 的令牌`);
  process.exit(1);
}
console.log(`已吊销令牌 #${revoked.id}（${revoked.name}），此后使用它的请求一律 401`);
