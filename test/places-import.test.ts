// Administrators keep service places through the API: add, change, staff contacts, and a CSV/XLSX import that is
// refused whole with every row's problem. A worker is refused every admin route (as an attacker would try).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import ExcelJS from "exceljs";
import { startService, type TestService } from "./helpers/service.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";

let svc: TestService;
let admin: Session;
let worker: Session;

beforeAll(async () => {
  svc = await startService();
  ({ admin, worker } = await adminAndWorker(svc, "places"));
});
afterAll(async () => {
  await svc.close();
});

const HEADER = "编码,名称,类型,地址,电话,别名,所属区域,服务区域,周一,周二,周三,周四,周五,周六,周日,节假日,服务,备注";
const file = (lines: string[], fileName = "places.csv") => ({ fileName, content: Buffer.from([HEADER, ...lines].join("\n")).toString("base64") });
const code = () => `T-${randomUUID().slice(0, 8)}`;

describe("place import", () => {
  it("refuses a file with bad rows whole, naming every row's problem, and writes nothing", async () => {
    const good = code();
    const before = await svc.services.db.servicePlace.count();
    const bad = file([
      `${good},和平社区助餐点,老年食堂,和平街60号,0571-86023402,,和平社区,,11:00-12:30,11:00-12:30,11:00-12:30,11:00-12:30,11:00-12:30,休息,休息,,助餐|10元/餐,`,
      `${code()},无名之地,游乐场,某路1号,,,和平社区,,,,,,,,,,,`,
      `${code()},时间不对的站,卫生服务站,某路2号,,,火星社区,,25:00-26:00,,,,,,,,,`,
      `,没有编码,青年之家,,,,,,,,,,,,,,,`,
    ]);
    const preview = await callAs(svc, admin, "POST", "/api/admin/places/import/preview", bad);
    expect(preview.status).toBe(200);
    expect(preview.body.places.map((p: { code: string }) => p.code)).toEqual([good]);
    const rows = preview.body.errors.map((e: { row: number; field: string | null; message: string }) => `${e.row}|${e.field}|${e.message}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^3\|类型\|类型应为/),
        "4|所属区域|区域“火星社区”不存在",
        expect.stringMatching(/^4\|周一\|时间段应写成/),
        expect.stringMatching(/^5\|编码\|编码为/),
        expect.stringMatching(/^5\|地址\|请填写地址/),
      ]),
    );
    expect(preview.body.errorCount).toBe(rows.length);

    const applied = await callAs(svc, admin, "POST", "/api/admin/places/import", bad);
    expect(applied.status).toBe(422);
    expect(applied.body.error.message).toBe(`文件有 ${rows.length} 处问题，未写入任何数据`);
    expect(applied.body.error.errors).toHaveLength(rows.length);
    expect(await svc.services.db.servicePlace.count()).toBe(before);
    expect(await svc.services.db.servicePlace.findUnique({ where: { code: good } })).toBeNull();
  });

  it("saves a good CSV by code: a new place with its services, hours and areas, then changes it on a second import", async () => {
    const c = code();
    const first = await callAs(svc, admin, "POST", "/api/admin/places/import", file([`${c},和平社区助餐点,老年食堂,和平街60号,0571-86023402,和平食堂、助餐点,和平社区,和平社区第一网格,11:00-12:30、17:00-18:00,11:00-12:30,11:00-12:30,11:00-12:30,11:00-12:30,休息,,,助餐|10元/餐；送餐|2元/次|可预约,`]));
    expect(first).toMatchObject({ status: 200, body: { added: 1, changed: 0 } });
    const place = await svc.services.db.servicePlace.findUniqueOrThrow({ where: { code: c }, include: { services: { orderBy: { id: "asc" } }, area: true } });
    expect(place).toMatchObject({ kind: "canteen", aliases: ["和平食堂", "助餐点"], hours: expect.objectContaining({ mon: ["11:00-12:30", "17:00-18:00"], sat: [], sun: [] }) });
    expect(place.area?.name).toBe("和平社区");
    expect(place.services.map((s) => [s.name, s.price, s.bookable])).toEqual([["助餐", "10元/餐", false], ["送餐", "2元/次", true]]);

    const second = await callAs(svc, admin, "POST", "/api/admin/places/import", file([`${c},和平社区助餐点,老年食堂,和平街62号,,,和平社区,,,,,,,,,,助餐|11元/餐,`]));
    expect(second).toMatchObject({ status: 200, body: { added: 0, changed: 1 } });
    const changed = await svc.services.db.servicePlace.findUniqueOrThrow({ where: { code: c }, include: { services: { orderBy: { id: "asc" } } } });
    expect(changed.address).toBe("和平街62号");
    // A service missing from the file is deactivated, not deleted (bookings refer to it).
    expect(changed.services.map((s) => [s.name, s.price, s.active])).toEqual([["助餐", "11元/餐", true], ["送餐", "2元/次", false]]);
  });

  it("reads an XLSX file the same way", async () => {
    const c = code();
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("场所");
    sheet.addRow(HEADER.split(","));
    sheet.addRow([c, "幸福社区书屋", "其他", "幸福路18号二楼", "", "", "幸福社区", "", "09:00-17:00", "", "", "", "", "", "", "", "借书|免费", ""]);
    const content = Buffer.from(await wb.xlsx.writeBuffer()).toString("base64");
    const res = await callAs(svc, admin, "POST", "/api/admin/places/import", { fileName: "places.xlsx", content });
    expect(res).toMatchObject({ status: 200, body: { added: 1 } });
    expect((await svc.services.db.servicePlace.findUniqueOrThrow({ where: { code: c } })).kind).toBe("other");
  });
});

describe("places through the admin API", () => {
  it("adds a place, changes it, gives it a staff contact, and lists it", async () => {
    const c = code();
    const created = await callAs(svc, admin, "POST", "/api/admin/places", {
      code: c, name: "和平社区日间照料中心", kind: "elderly", address: "和平街70号", phone: "0571-86023499",
      hours: { mon: ["08:00-17:00"] }, services: [{ name: "日间托老", price: "30元/天", bookable: true }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await callAs(svc, admin, "PATCH", `/api/admin/places/${id}`, { hours: { mon: ["07:30-17:00"], sat: ["09:00-12:00"] }, note: "周六半天" })).status).toBe(200);
    const contact = await callAs(svc, admin, "POST", `/api/admin/places/${id}/contacts`, { kind: "room", channel: "simulator", address: "sim-daycare-staff", name: "照料中心值班群" });
    expect(contact.status).toBe(201);
    const { body } = await callAs(svc, admin, "GET", "/api/admin/places");
    const shown = body.places.find((p: { id: number }) => p.id === id);
    expect(shown).toMatchObject({ code: c, hours: { mon: ["07:30-17:00"], sat: ["09:00-12:00"], sun: [] }, note: "周六半天", contacts: [{ address: "sim-daycare-staff" }] });
    expect(shown.services).toEqual([expect.objectContaining({ name: "日间托老", price: "30元/天", bookable: true })]);
    // Workers read the places without the staff's contacts.
    const read = await callAs(svc, worker, "GET", "/api/places");
    expect(read.status).toBe(200);
    const forWorker = read.body.places.find((p: { id: number }) => p.id === id);
    expect(forWorker.name).toBe("和平社区日间照料中心");
    expect(forWorker.contacts).toBeUndefined();
    expect((await callAs(svc, admin, "DELETE", `/api/admin/place-contacts/${contact.body.id}`)).status).toBe(204);
  });

  it("refuses a duplicate code, an unknown area and a backwards time range, in Chinese", async () => {
    const dup = await callAs(svc, admin, "POST", "/api/admin/places", { code: "XF-CANTEEN", name: "重复", kind: "canteen", address: "某路" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain("已有编码为“XF-CANTEEN”的场所");
    const area = await callAs(svc, admin, "POST", "/api/admin/places", { code: code(), name: "无处", kind: "other", address: "某路", areaId: 999999 });
    expect(area.status).toBe(400);
    expect(area.body.error.message).toContain("区域 999999 不存在");
    const back = await callAs(svc, admin, "PATCH", "/api/admin/places/1", { hours: { mon: ["12:00-11:00"] } });
    expect(back.status).toBe(400);
    expect(back.body.error.message).toContain("时间段应写成 08:00-11:30");
  });
});

describe("attack: a worker tries the administrators' place routes", () => {
  it("is refused every one of them and changes nothing", async () => {
    const db = svc.services.db;
    const before = JSON.stringify(await db.servicePlace.findMany({ include: { services: true, contacts: true }, orderBy: { id: "asc" } }));
    const tries: [string, string, unknown][] = [
      ["GET", "/api/admin/places", undefined],
      ["POST", "/api/admin/places", { code: code(), name: "偷偷加的", kind: "other", address: "某路" }],
      ["PATCH", "/api/admin/places/1", { phone: "0571-99999999" }],
      ["POST", "/api/admin/places/1/contacts", { kind: "webhook", address: "https://evil.example/hook" }],
      ["POST", "/api/admin/places/import", file([`${code()},偷偷导入,其他,某路,,,,,,,,,,,,,,`])],
    ];
    for (const [method, path, body] of tries) {
      const res = await callAs(svc, worker, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(JSON.stringify(await db.servicePlace.findMany({ include: { services: true, contacts: true }, orderBy: { id: "asc" } }))).toBe(before);
  });
});
