// npm run user:create -- --username admin --name 管理员 --role admin [--area 阳光街道]
// Creates a console account and prints its generated password once; at the first sign-in the person sets their own.
// --area makes an administrator of that district or street (org/scope.ts); without it, of the whole city.
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { createUser } from "../auth/users.ts";
import { AppError } from "../errors.ts";

const { values } = parseArgs({ options: { username: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "worker" }, area: { type: "string" } } });
if (!values.username || (values.role !== "admin" && values.role !== "worker") || (values.area && values.role !== "admin")) {
  console.error("用法：npm run user:create -- --username 用户名 --name 姓名 --role admin|worker [--area 区或街道名称（管理员）]");
  process.exit(2);
}
loadDotEnv();
const db = await openDb(loadConfig().DATABASE_URL);
await assertMigrated(db);
try {
  const areas = values.area ? await db.area.findMany({ where: { name: values.area, level: { in: ["district", "street"] } } }) : [];
  if (values.area && areas.length !== 1) {
    console.error(areas.length ? `有多个名为“${values.area}”的区或街道` : `没有名为“${values.area}”的区或街道`);
    process.exit(1);
  }
  const { password } = await createUser(db, { username: values.username, displayName: values.name ?? values.username, role: values.role, areaId: areas[0]?.id ?? null });
  console.log(`已创建账号 ${values.username}（${values.role === "admin" ? "管理员" : "社区工作人员"}），初始密码（只显示这一次；首次登录后须改为自己的密码）：\n${password}`);
} catch (err) {
  if (err instanceof AppError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
} finally {
  await db.$disconnect();
}
