// npm run list:import -- FILE.csv|FILE.xlsx : imports a responsibility list into the service's database.
// The whole file is checked first; one bad row and nothing is written.
import { readFile } from "node:fs/promises";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { ListImportError, parseMatterFile } from "../responsibility/parse.ts";
import { applyMatterRows } from "../responsibility/apply.ts";

const file = process.argv[2];
if (!file) {
  console.error("用法：npm run list:import -- 清单.csv（或 .xlsx）");
  process.exit(2);
}
loadDotEnv();
const config = loadConfig();
try {
  const rows = await parseMatterFile(file, await readFile(file));
  const db = await openDb(config.DATABASE_URL);
  await assertMigrated(db);
  const { added, updated } = await applyMatterRows(db, rows);
  await db.$disconnect();
  console.log(`导入完成：新增 ${added} 项，更新 ${updated} 项（共 ${rows.length} 行）。重启服务后生效。`);
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") {
    console.error(`找不到文件：${file}`);
    process.exit(1);
  }
  if (err instanceof ListImportError) {
    console.error(`导入失败，未写入任何数据：\n${err.message}`);
    process.exit(1);
  }
  throw err;
}
