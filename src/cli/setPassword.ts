// npm run user:password -- <username>            prints a new generated password once (to be replaced at sign-in)
// printf '%s\n' "$PASSWORD" | npm run user:password -- <username> --stdin
//                                                sets the password read from standard input (first line)
// Either way the account's sessions end and its failed sign-ins are forgotten (the way back in for someone
// locked out, or the only administrator who forgot the password).
import { parseArgs } from "node:util";
import { text } from "node:stream/consumers";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { resetPassword, setPassword } from "../auth/users.ts";
import { passwordProblem } from "../auth/passwords.ts";

const { values, positionals } = parseArgs({ options: { stdin: { type: "boolean", default: false } }, allowPositionals: true });
const username = positionals[0];
if (!username || positionals.length > 1) {
  console.error("用法：npm run user:password -- 用户名   （生成新密码并显示一次）\n或：  echo 新密码 | npm run user:password -- 用户名 --stdin");
  process.exit(2);
}
let chosen: string | null = null;
if (values.stdin) {
  if (process.stdin.isTTY) console.error("请输入新密码后回车（会显示在屏幕上；不想显示请用管道传入）：");
  chosen = (await text(process.stdin)).split(/\r?\n/)[0] ?? "";
  const problem = passwordProblem(chosen, username);
  if (problem) {
    console.error(problem);
    process.exit(2);
  }
}
loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
try {
  const user = await db.user.findUnique({ where: { username } });
  if (!user) {
    console.error(`没有用户名为 ${username} 的账号`);
    process.exitCode = 1;
  } else if (chosen !== null) {
    const { sessionsEnded } = await setPassword(db, user, chosen, { mustChange: false, now: new Date() });
    console.log(`已为 ${username} 设置新密码，结束了 ${sessionsEnded} 个会话`);
  } else {
    const { password, sessionsEnded } = await resetPassword(db, user, new Date());
    console.log(`已为 ${username} 生成新密码（只显示这一次；登录后须改为自己的密码），结束了 ${sessionsEnded} 个会话：\n${password}`);
  }
} finally {
  await db.$disconnect();
}
