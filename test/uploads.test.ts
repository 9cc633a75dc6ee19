// Uploads within limits: a list of more than 5,000 matters is refused and read no further, an XLSX that would
// unpack to hundreds of MB is refused from its zip directory (or while inflating, when the directory lies), a file
// with thousands of problems lists the first 100 and the count, a body over 8 MB gets a 413 that says so, and a
// large file is read while residents' messages are answered.
import { createDeflateRaw, crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";
import { LIST_LIMITS, readMatterFile } from "../src/responsibility/parse.ts";
import { storedFile, writeZip, type ZipFile } from "../src/responsibility/zip.ts";
import { csvOf, LIST_HEADER, sampleMatter, sampleRows, xlsxOf } from "../src/cli/sampleList.ts";

/** Tests that read 5,000-row files: seconds each, more on a busy machine. */
const HEAVY = 90_000;

let svc: TestService;
let admin: Session;

beforeAll(async () => {
  svc = await startService();
  ({ admin } = await adminAndWorker(svc, "uploads"));
});
afterAll(async () => {
  await svc.close();
});

const preview = (fileName: string, bytes: Buffer, extra: Record<string, unknown> = {}) =>
  callAs(svc, admin, "POST", "/api/admin/list/preview", { fileName, content: bytes.toString("base64"), mode: "merge", ...extra });
const apply = (fileName: string, bytes: Buffer) =>
  callAs(svc, admin, "POST", "/api/admin/list/apply", { fileName, content: bytes.toString("base64"), mode: "merge", reason: "测试上传限制" });

// ---- a workbook written by hand, so that its sheet XML and its zip directory are exactly what a test needs ----

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const rowXml = (n: number, cells: string[]) =>
  `<row r="${n}">${cells.map((c, i) => `<c r="${String.fromCharCode(65 + i)}${n}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`).join("")}</row>`;
const SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const SHEET_TAIL = "</sheetData></worksheet>";
const text = (s: string) => Buffer.from(s, "utf8");

/** The parts around one sheet (xl/worksheets/sheet1.xml), given as a zip entry. */
function workbook(sheet: ZipFile): Buffer {
  return writeZip([
    storedFile("[Content_Types].xml", text('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')),
    storedFile("_rels/.rels", text('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')),
    storedFile("xl/workbook.xml", text('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="职责清单" sheetId="1" r:id="rId1"/></sheets></workbook>')),
    storedFile("xl/_rels/workbook.xml.rels", text('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')),
    sheet,
  ]);
}

/** A sheet of `copies` × `chunk` (plus head and tail) deflated as a stream: never held unpacked in memory. */
async function deflatedSheet(chunk: Buffer, copies: number): Promise<ZipFile> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (b: Buffer) => out.push(b));
  const ended = new Promise((resolve) => deflate.on("end", resolve));
  let crc = 0;
  let size = 0;
  const write = async (b: Buffer) => {
    crc = crc32(b, crc);
    size += b.length;
    if (!deflate.write(b)) await new Promise((resolve) => deflate.once("drain", resolve));
  };
  await write(text(SHEET_HEAD));
  for (let i = 0; i < copies; i++) await write(chunk);
  await write(text(SHEET_TAIL));
  deflate.end();
  await ended;
  return { name: "xl/worksheets/sheet1.xml", body: Buffer.concat(out), method: 8, size, crc: crc >>> 0 };
}

/** About 1 MB of identical rows (the same row number: the zip does not care, and neither does the size check). */
const MEGABYTE_OF_ROWS = text(rowXml(2, sampleMatter(1)).repeat(Math.ceil((1024 * 1024) / Buffer.byteLength(rowXml(2, sampleMatter(1))))));

describe("the row limit", () => {
  it("refuses a CSV of 5,001 matters with the row-limit error, and stops reading there", async () => {
    // Past the limit the file ends in an unclosed quote: a parser that read on would report a CSV format error.
    const csv = Buffer.concat([csvOf(sampleRows(LIST_LIMITS.rows + 1)), text('\nBL99999,"这一行的引号没有结束')]);
    const res = await preview("大清单.csv", csv);
    expect(res.status).toBe(422);
    expect(res.body.error.id).toBe("too_many_rows");
    expect(res.body.error.message).toMatch(/^文件超过 5000 行/);
    expect(res.body.error.message).toContain(`已在第 ${LIST_LIMITS.rows + 2} 行停止读取`);
    expect((await apply("大清单.csv", csv)).body.error.id).toBe("too_many_rows");
    // The same unclosed quote within the limit is read, and reported as what it is.
    const short = await preview("短清单.csv", Buffer.concat([csvOf(sampleRows(3)), text('\nBL99999,"这一行的引号没有结束')]));
    expect(short.status).toBe(200);
    expect(short.body.errors[0].message).toMatch(/^CSV 格式错误/);
  }, HEAVY);

  it("reads a list of exactly 5,000 matters; blank rows do not count", async () => {
    const rows = sampleRows(LIST_LIMITS.rows);
    const csv = csvOf([...rows.slice(0, 100), ...Array.from({ length: 50 }, () => ["", ""]), ...rows.slice(100)]);
    const res = await preview("整份清单.csv", csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ errors: [], errorCount: 0 });
    expect(res.body.added).toHaveLength(LIST_LIMITS.rows);
  }, HEAVY);

  it("refuses an XLSX of 5,001 matters from a scan of its sheet, before the sheet is parsed", async () => {
    const made = await preview("大清单.xlsx", await xlsxOf(sampleRows(LIST_LIMITS.rows + 1)));
    expect(made.status).toBe(422);
    expect(made.body.error).toMatchObject({ id: "too_many_rows", message: expect.stringContaining(`已在第 ${LIST_LIMITS.rows + 2} 行停止读取`) });
    // A sheet whose XML breaks off after row 5,002: refused for its rows, so the broken rest was never parsed.
    const rows = sampleRows(LIST_LIMITS.rows + 1).map((cells, i) => rowXml(i + 1, cells)).join("");
    const broken = workbook(storedFile("xl/worksheets/sheet1.xml", text(`${SHEET_HEAD}${rows}<row r="5003"><c r="A5003" t="inlineStr"><is><t>断`)));
    const res = await preview("断掉的清单.xlsx", broken);
    expect(res.status).toBe(422);
    expect(res.body.error.id).toBe("too_many_rows");
  }, HEAVY);
});

describe("the unpacked size of an XLSX", () => {
  it("refuses a zip bomb (a 200 MB sheet packed into a few hundred KB) from its directory, before unpacking", async () => {
    const bomb = workbook(await deflatedSheet(MEGABYTE_OF_ROWS, 200));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const res = await preview("炸弹.xlsx", bomb);
    expect(res.status).toBe(422);
    expect(res.body.error.id).toBe("unpacked_too_large");
    expect(res.body.error.message).toMatch(/^文件解压后过大：xl\/worksheets\/sheet1\.xml 有 200 MB，单个部件上限 40 MB/);
  });

  it("refuses a part whose directory understates its size, while inflating it", async () => {
    const sheet = await deflatedSheet(MEGABYTE_OF_ROWS, 60);
    // The directory says 100 KB; the inflater stops one byte past that.
    const lying = workbook({ ...sheet, size: 100 * 1024 });
    const res = await preview("说谎的清单.xlsx", lying);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ id: "unpacked_too_large", message: "文件解压后比它声明的大（xl/worksheets/sheet1.xml），疑似压缩炸弹，已拒绝" });
  });

  it("refuses a part within the size limit whose compression ratio is a bomb's", async () => {
    const res = await preview("压缩比.xlsx", workbook(await deflatedSheet(MEGABYTE_OF_ROWS, 30)));
    expect(res.status).toBe(422);
    expect(res.body.error.id).toBe("unpacked_too_large");
    expect(res.body.error.message).toMatch(/^文件的压缩比异常（xl\/worksheets\/sheet1\.xml 压缩了 \d+ 倍）/);
  });

  it("reads a workbook written by hand, with its sheet deflated", async () => {
    const cells = [LIST_HEADER, sampleMatter(1), sampleMatter(2)].map((c, i) => rowXml(i + 1, c)).join("");
    const res = await preview("手写.xlsx", workbook(await deflatedSheet(text(cells), 1)));
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([]);
    expect(res.body.added.map((m: { code: string }) => m.code)).toEqual(["BL00001", "BL00002"]);
  });
});

describe("problems", () => {
  it("lists the first 100 of 10,000 problems, with the count, in the preview and in the refused apply", async () => {
    // 5,000 rows with two bad limits each.
    const csv = csvOf(sampleRows(LIST_LIMITS.rows, (i) => sampleMatter(i).map((c, j) => (j === 7 ? "很快" : j === 8 ? "尽快" : c))));
    const res = await preview("坏清单.csv", csv);
    expect(res.status).toBe(200);
    expect(res.body.errorCount).toBe(10_000);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[0]).toEqual({ row: 2, field: "响应时限", message: "响应时限“很快”不是正数" });
    expect(res.body.errors[1]).toEqual({ row: 2, field: "办结时限", message: "办结时限“尽快”不是正整数" });
    expect(res.body.errors[99].row).toBe(51);

    const versions = await svc.services.db.listVersion.count();
    const refused = await apply("坏清单.csv", csv);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ id: "list_invalid", message: "清单有 10000 处问题，未写入任何数据", errorCount: 10_000 });
    expect(refused.body.error.errors).toHaveLength(100);
    expect(await svc.services.db.listVersion.count()).toBe(versions);
  }, HEAVY);
});

describe("the body limit", () => {
  it("answers a body over 8 MB with a 413 that says the limit", async () => {
    const res = await preview("太大.csv", Buffer.alloc(7 * 1024 * 1024, 0x41));
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ id: "payload_too_large", message: "上传的内容过大：一次请求不能超过 8 MB（清单文件不能超过 5 MB），请缩小文件后再试" });
    // Within the body limit but over the file limit: the schema says so.
    const over = await preview("大文件.csv", Buffer.alloc(5 * 1024 * 1024 + 1024, 0x41));
    expect(over.status).toBe(400);
    expect(over.body.error.field).toBe("content");
  });
});

describe("residents meanwhile", () => {
  it("the event loop keeps turning while a 5,000-row file is read", async () => {
    for (const [name, bytes] of [["清单.csv", csvOf(sampleRows(LIST_LIMITS.rows))], ["清单.xlsx", await xlsxOf(sampleRows(LIST_LIMITS.rows))]] as const) {
      let turns = 0;
      let reading = true;
      const tick = () => {
        turns++;
        if (reading) setImmediate(tick);
      };
      setImmediate(tick);
      const table = await readMatterFile(name, bytes);
      reading = false;
      expect(table.rows).toHaveLength(LIST_LIMITS.rows);
      // Read on this thread, the file would be done before the first turn.
      expect(turns, name).toBeGreaterThan(0);
    }
  }, HEAVY);

  it("answers a resident's message while an administrator's 5,000-row XLSX is being read and planned", async () => {
    await svc.post("/api/channels/http/messages", groupMessage("@小民 3号楼门口的路灯不亮了")); // the intake warmed up
    const bytes = await xlsxOf(sampleRows(LIST_LIMITS.rows));
    let previewed = false;
    const pending = preview("大清单.xlsx", bytes).then((res) => ((previewed = true), res));
    const answer = await svc.post("/api/channels/http/messages", groupMessage("@小民 5号楼楼道里堆满了纸箱，走路都困难"));
    expect(answer.status).toBe(200);
    expect(answer.body.replies.length).toBeGreaterThan(0);
    expect(previewed).toBe(false);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.added).toHaveLength(LIST_LIMITS.rows);
  }, HEAVY);
});

describe("the evaluation set upload", () => {
  it("stops reading a labelled set at the first line past 2,000 and says so", async () => {
    const lines = "小区门口的路灯不亮了\tLD01\n".repeat(100_000);
    const res = await callAs(svc, admin, "POST", "/api/admin/evaluations", { classifier: "local", dataset: "upload", fileName: "评测集.tsv", content: lines });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ id: "invalid_dataset", message: "评测集最多 2000 条：文件超过 2000 行，已在第 2002 行停止读取" });
    const csv = await callAs(svc, admin, "POST", "/api/admin/evaluations", { classifier: "local", dataset: "upload", fileName: "评测集.csv", content: "text,label\n" + "路灯不亮,LD01\n".repeat(100_000) });
    expect(csv.body.error.message).toBe("评测集最多 2000 条：文件超过 2000 行，已在第 2002 行停止读取");
  });
});
