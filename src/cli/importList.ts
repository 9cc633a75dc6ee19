// npm run list:import -- FILE.csv|FILE.xlsx [--replace] [--reason 说明] : imports a responsibility list into the
// service's database as a new version (author 命令行). The whole file is checked first; one bad row and nothing is
// written. Without --replace matters are added and updated only; with it, matters not in the file are deactivated.
// A running service picks the new version up within seconds. The file is read within the limits the console has
// (LIST_LIMITS: 5,000 matters, the unpacked size of an XLSX), in a worker thread like the service's.
import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { loadDotEnv } from "../env.ts";
import { assertMigrated, openDb } from "../db.ts";
import { LIST_LIMITS, ListFileRefused, ListImportError, readMatterFile } from "../responsibility/parse.ts";
import { applyImport } from "../responsibility/versions.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { replace: { type: "boolean", default: false }, reason: { type: "string" } } });
const file = positionals[0];
if (!file) {
  console.error("用法：npm run list:import -- 清单.csv（或 .xlsx）[--replace] [--reason 说明]");
  process.exit(2);
}
loadDotEnv();
const config = loadConfig();
try {
  // A file over the limit is refused before it is read into memory.
  if ((await stat(file)).size > LIST_LIMITS.fileBytes) throw new ListFileRefused("file_too_large", `文件不能超过 ${LIST_LIMITS.fileBytes / 1024 / 1024} MB`);
  const table = await readMatterFile(file, await readFile(file));
  if (table.problems.length) throw new ListImportError(table.problems);
  const db = await openDb(config.DATABASE_URL);
  await assertMigrated(db);
  const result = await applyImport(db, table, {
    mode: values.replace ? "replace" : "merge",
    complete: false,
    strictUnits: false,
    author: { id: null, name: "命令行" },
    reason: values.reason?.trim() || `命令行导入 ${file}`,
    source: "import",
  });
  await db.$disconnect();
  const { added, changed, removed } = result.changes;
  console.log(
    result.versionId === null
      ? `没有变化（共 ${table.rows.length} 行）。`
      : `导入完成（版本 ${result.versionId}）：新增 ${added.length} 项，修改 ${changed.length} 项，停用 ${removed.length} 项，未变 ${result.unchanged} 项` +
          `${result.newUnits.length ? `，新建单位 ${result.newUnits.join("、")}` : ""}。运行中的服务会在 10 秒内载入新清单。`,
  );
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") {
    console.error(`找不到文件：${file}`);
    process.exit(1);
  }
  if (err instanceof ListImportError) {
    console.error(`导入失败（共 ${err.problems.length} 处问题），未写入任何数据：\n${err.message}`);
    process.exit(1);
  }
  if (err instanceof ListFileRefused) {
    console.error(`导入失败，未写入任何数据：${err.message}`);
    process.exit(1);
  }
  throw err;
}
