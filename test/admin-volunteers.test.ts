// The administrators' API for volunteers and 党员中心户, on a fake clock over a real SQLite file: what each route
// answers (status, Chinese errors) and stores — add, change, stop, import (both registers, refused whole with every
// row's problem), the ranking, the 志愿者可认领 matters, a claim for a volunteer, a household's note and visit — and
// the refusals as attacks: a worker's session or token, a claim for another grid's volunteer, bad ids.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { adminAndWorker, callAs, type Session } from "./helpers/session.ts";

let clock: FakeClock;
let svc: TestService;
let admin: Session;
let worker: Session;

beforeEach(async () => {
  clock = new FakeClock(cst("2026-10-12T10:00"));
  svc = await startService({}, { clock: clock.now });
  ({ admin, worker } = await adminAndWorker(svc, "voladm"));
});
afterEach(async () => {
  await svc.close();
});

const call = (method: string, path: string, body?: unknown, as: Session | null = admin) => callAs(svc, as, method, path, body);
const csv = (fileName: string, lines: string[]) => ({ fileName, content: Buffer.from(lines.join("\n")).toString("base64") });
const buildingsOf = async (name: string) =>
  (await svc.services.db.partyHousehold.findFirstOrThrow({ where: { name }, include: { buildings: { include: { building: { include: { parent: true } } } } } })).buildings
    .map((b) => `${b.building.parent?.name}/${b.building.name}`)
    .sort();

describe("importing 党员中心户", () => {
  const HEADER = "户名,电话,联系户数,网格,楼栋,渠道,聊天账号,备注";

  it("adds and updates households with their buildings found by name in a grid or a community", async () => {
    const res = await call("POST", "/api/admin/households/import", csv("党员中心户.csv", [
      HEADER,
      "李卫东家,13900000009,24户,幸福社区第一网格,1号楼、2号楼,simulator,sim-household-li,联系1、2号楼",
      "王秀兰家,,12,幸福社区,7号楼|幸福社区第一网格/3号楼,,,",
      "孙建家,,8,,和平社区第一网格/1栋,,,",
      "张建国家（党员中心户）,13800004444,40,幸福社区第二网格,9号楼,simulator,sim-household-zhang,只联系9号楼",
    ]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 3, changed: 1 });
    expect(await buildingsOf("李卫东家")).toEqual(["幸福社区第一网格/1号楼", "幸福社区第一网格/2号楼"]);
    expect(await buildingsOf("王秀兰家")).toEqual(["幸福社区第一网格/3号楼", "幸福社区第二网格/7号楼"]);
    expect(await buildingsOf("孙建家")).toEqual(["和平社区第一网格/1栋"]);
    // The seeded household is the same name: updated, its buildings the file's.
    expect(await buildingsOf("张建国家（党员中心户）")).toEqual(["幸福社区第二网格/9号楼"]);
    const li = await svc.services.db.partyHousehold.findFirstOrThrow({ where: { name: "李卫东家" } });
    expect(li).toMatchObject({ phone: "13900000009", families: 24, channel: "simulator", address: "sim-household-li", note: "联系1、2号楼", active: true });
    expect(await svc.services.db.partyHousehold.count()).toBe(4);
  });

  it("refuses a file with bad rows whole, naming every row's problem", async () => {
    // A second 1号楼 in the street: named alone it is ambiguous.
    const heping = await svc.services.db.area.findFirstOrThrow({ where: { level: "grid", name: "和平社区第一网格" } });
    await svc.services.db.area.create({ data: { level: "building", name: "1号楼", parentId: heping.id } });
    const before = await svc.services.db.partyHousehold.findMany({ orderBy: { id: "asc" } });
    const res = await call("POST", "/api/admin/households/import", csv("bad.csv", [
      HEADER,
      "好的一户,,3,幸福社区第一网格,1号楼,,,",
      ",13900000001,3,幸福社区第一网格,1号楼,,,",
      "错号码,abc,很多,幸福社区第一网格,2号楼,,,",
      "错区域,,1,火星社区,1号楼,,,",
      "重名楼,,1,,1号楼,,,",
      "没这栋,,1,幸福社区第一网格,2号楼、99号楼,,,",
      "缺账号,,1,幸福社区第一网格,1号楼,wechaty,,",
      "错渠道,,1,幸福社区第一网格,1号楼,qq,qq-1,",
    ]));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("文件有 8 处问题，未写入任何数据");
    expect(res.body.error.errors).toEqual([
      { row: 3, field: "户名", message: "户名不能为空" },
      { row: 4, field: "电话", message: "电话号码格式不对" },
      { row: 4, field: "联系户数", message: "联系户数“很多”应为 0 到 10000 的整数" },
      { row: 5, field: "楼栋", message: "没有网格或社区“火星社区”" },
      { row: 6, field: "楼栋", message: "楼栋“1号楼”有重名，请写明网格，如“幸福社区第一网格/1号楼”" },
      { row: 7, field: "楼栋", message: "幸福社区第一网格没有楼栋“99号楼”" },
      { row: 8, field: "聊天账号", message: "渠道和聊天账号需同时填写或同时留空" },
      { row: 9, field: "渠道", message: expect.stringMatching(/^渠道应为 .*simulator.* 之一$/) },
    ]);
    expect(await svc.services.db.partyHousehold.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });

  it("refuses a file without a 户名 column, and what is not a spreadsheet", async () => {
    const noName = await call("POST", "/api/admin/households/import", csv("x.csv", ["电话,楼栋", "139,1号楼"]));
    expect(noName.status).toBe(422);
    expect(noName.body.error.errors).toEqual([{ row: 1, field: "表头", message: "缺少“户名”（name）列" }]);
    const exe = await call("POST", "/api/admin/households/import", csv("x.exe", [HEADER]));
    expect(exe.status).toBe(400);
    expect(exe.body.error.message).toContain("请选择 .csv 或 .xlsx 文件");
    const empty = await call("POST", "/api/admin/households/import", { fileName: "x.csv", content: "" });
    expect(empty.body.error.message).toBe("文件是空的");
    // A worker may not import: refused before the file is read.
    const byWorker = await call("POST", "/api/admin/households/import", csv("党员中心户.csv", [HEADER, "周明家,,1,,8号楼,,,"]), worker);
    expect(byWorker.status).toBe(403);
    expect(await svc.services.db.partyHousehold.count({ where: { name: "周明家" } })).toBe(0);
  });

  it("reads an XLSX file as the CSV", async () => {
    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("党员中心户");
    sheet.addRow(HEADER.split(","));
    sheet.addRow(["周明家", "", 15, "幸福社区第二网格", "8号楼", "", "", ""]);
    const res = await call("POST", "/api/admin/households/import", { fileName: "户.xlsx", content: Buffer.from(await wb.xlsx.writeBuffer()).toString("base64") });
    expect(res.body).toEqual({ added: 1, changed: 0 });
    expect(await buildingsOf("周明家")).toEqual(["幸福社区第二网格/8号楼"]);
  });
});

/** A 志愿者可认领 appeal in 幸福社区第一网格 (李红 and 王志强's grid), offered and not yet claimed. */
async function offeredCase(tag: string) {
  const opened = await svc.services.intake.receive(
    { channel: "simulator", messageId: `admvol-${tag}-${Math.random()}`, chatId: "sim-yangguang-1", isGroup: true, senderId: `r-${tag}`, senderName: "居民", text: "@小民 我们楼有个独居老人好几天没见出门了，没人照顾", mentionsBot: true },
    clock.now(),
  );
  expect(opened.case).toMatchObject({ matterCode: "YL02", status: "accepted" });
  return opened.case!.number;
}
const volunteer = (name: string) => svc.services.db.volunteer.findFirstOrThrow({ where: { name } });
const grid = (name: string) => svc.services.db.area.findFirstOrThrow({ where: { level: "grid", name } });

describe("the volunteers register", () => {
  it("adds a volunteer (201, stored), refusing what is incomplete in Chinese", async () => {
    const g = await grid("幸福社区第二网格");
    const res = await call("POST", "/api/admin/volunteers", { name: "赵敏", phone: "13900001234", sharePhone: true, gridId: g.id, channel: "simulator", address: "sim-vol-zhao", skills: ["陪诊"], partyMember: true });
    expect(res.status).toBe(201);
    expect(await svc.services.db.volunteer.findUniqueOrThrow({ where: { id: res.body.id } })).toMatchObject({
      name: "赵敏", phone: "13900001234", sharePhone: true, gridId: g.id, channel: "simulator", address: "sim-vol-zhao", skills: ["陪诊"], partyMember: true, kind: "volunteer", active: true,
    });
    const count = await svc.services.db.volunteer.count();
    const refused = async (body: unknown) => {
      const r = await call("POST", "/api/admin/volunteers", body);
      expect(r.status).toBe(400);
      return r.body.error.message as string;
    };
    expect(await refused({ name: " " })).toContain("姓名不能为空");
    expect(await refused({ name: "甲", phone: "打我电话" })).toContain("电话号码格式不对");
    expect(await refused({ name: "甲", channel: "simulator" })).toContain("渠道和聊天账号需同时填写或同时留空");
    expect(await refused({ name: "甲", channel: "qq", address: "1" })).toMatch(/^字段 channel 无效/);
    const building = await svc.services.db.area.findFirstOrThrow({ where: { level: "building" } });
    expect(await refused({ name: "甲", gridId: building.id })).toBe("请选择一个网格");
    expect(await svc.services.db.volunteer.count()).toBe(count);
  });

  it("changes and stops a volunteer: a stopped one is offered nothing and cannot be claimed for", async () => {
    const wang = await volunteer("王志强");
    const changed = await call("PATCH", `/api/admin/volunteers/${wang.id}`, { availability: "周末全天", skills: ["换灯泡"] });
    expect(changed).toMatchObject({ status: 200, body: { id: wang.id } });
    expect(await volunteer("王志强")).toMatchObject({ availability: "周末全天", skills: ["换灯泡"], active: true });
    expect((await call("PATCH", `/api/admin/volunteers/${wang.id}`, { active: false })).status).toBe(200);
    expect((await volunteer("王志强")).active).toBe(false);

    const number = await offeredCase("stop");
    expect((await svc.services.db.outbox.findMany({ where: { kind: "volunteer_offer" } })).map((o) => o.chatId)).toEqual(["sim-volunteer-li"]);
    const claim = await call("POST", `/api/admin/volunteer-tasks/${number}/claim`, { volunteerId: wang.id });
    expect(claim).toMatchObject({ status: 404, body: { error: { message: "志愿者不存在或已停用" } } });
    const missing = await call("PATCH", "/api/admin/volunteers/999999", { active: true });
    expect(missing).toMatchObject({ status: 404, body: { error: { message: "志愿者不存在" } } });
  });

  it("imports a volunteers file: the same name in the same grid updated, others added; a bad file refused whole", async () => {
    const ok = await call("POST", "/api/admin/volunteers/import", csv("志愿者.csv", ["姓名,电话,同意告知电话,网格,渠道,聊天账号,技能,党员", "李红,13800001111,是,幸福社区第一网格,simulator,sim-volunteer-li,买菜、理发,是", "钱进,,,幸福社区第二网格,,,,否"]));
    expect(ok).toMatchObject({ status: 200, body: { added: 1, changed: 1 } });
    expect((await volunteer("李红")).skills).toEqual(["买菜", "理发"]);
    expect(await volunteer("钱进")).toMatchObject({ gridId: (await grid("幸福社区第二网格")).id, channel: null });
    const bad = await call("POST", "/api/admin/volunteers/import", csv("志愿者.csv", ["姓名,网格,党员", "孙好,火星网格,是", "周到,幸福社区第一网格,也许"]));
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ message: "文件有 2 处问题，未写入任何数据", errorCount: 2, errors: [{ row: 2, field: "网格", message: "没有网格“火星网格”" }, { row: 3, field: "党员", message: "党员“也许”应为“是”或“否”" }] });
    expect(await svc.services.db.volunteer.count({ where: { name: { in: ["孙好", "周到"] } } })).toBe(0);
  });
});

describe("the ranking and the claimable matters", () => {
  it("ranks this month by China time unless asked, and refuses a month that is not one", async () => {
    const li = await volunteer("李红");
    const number = await offeredCase("rank");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number } });
    await svc.services.db.volunteerTask.update({ where: { caseId: kase.id }, data: { status: "done", volunteerId: li.id, doneAt: cst("2026-10-01T00:30"), hours: 3 } });
    const now = await call("GET", "/api/admin/volunteers/ranking");
    expect(now.body).toEqual({ month: "2026-10", grids: [{ gridId: li.gridId, gridName: "幸福社区第一网格", volunteers: [{ rank: 1, volunteerId: li.id, name: "李红", tasks: 1, hours: 3 }] }] });
    expect((await call("GET", "/api/admin/volunteers/ranking?month=2026-09")).body.grids).toEqual([]);
    const other = await grid("幸福社区第二网格");
    expect((await call("GET", `/api/admin/volunteers/ranking?month=2026-10&gridId=${other.id}`)).body.grids).toEqual([]);
    for (const month of ["2026-13", "2026-1", "1e309", "2026-10; drop"]) {
      const r = await call("GET", `/api/admin/volunteers/ranking?month=${encodeURIComponent(month)}`);
      expect(r.status, month).toBe(400);
      expect(r.body.error.message, month).toContain("月份形如 2026-10");
    }
  });

  it("marks a matter claimable (a list version), refusing an unknown matter or a value that is not true or false", async () => {
    const on = await call("PATCH", "/api/admin/volunteers/matters/YL01", { volunteerClaimable: true });
    expect(on).toMatchObject({ status: 200, body: { code: "YL01", volunteerClaimable: true } });
    expect((await svc.services.db.matter.findUniqueOrThrow({ where: { code: "YL01" } })).volunteerClaimable).toBe(true);
    expect((await call("GET", "/api/admin/volunteers")).body.matters.find((m: any) => m.code === "YL01")).toMatchObject({ volunteerClaimable: true });
    expect(await call("PATCH", "/api/admin/volunteers/matters/NO-SUCH", { volunteerClaimable: true })).toMatchObject({ status: 404, body: { error: { message: "职责清单中没有事项 NO-SUCH" } } });
    expect((await call("PATCH", "/api/admin/volunteers/matters/YL01", { volunteerClaimable: "yes" })).status).toBe(400);
  });
});

describe("a claim for a volunteer", () => {
  it("records the claim (the case in progress, the task the volunteer's); a second claim is refused as taken", async () => {
    const number = await offeredCase("claim");
    const [li, wang] = [await volunteer("李红"), await volunteer("王志强")];
    const res = await call("POST", `/api/admin/volunteer-tasks/${number}/claim`, { volunteerId: wang.id });
    expect(res).toMatchObject({ status: 200, body: { number, volunteerId: wang.id } });
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { volunteerTask: true, events: true } });
    expect(kase.status).toBe("in_progress");
    expect(kase.volunteerTask).toMatchObject({ status: "claimed", volunteerId: wang.id });
    expect(kase.events.find((e) => e.type === "volunteer_claim")).toMatchObject({ actor: "volunteer", actorId: expect.stringMatching(/^user:\d+$/) });
    const again = await call("POST", `/api/admin/volunteer-tasks/${number}/claim`, { volunteerId: li.id });
    expect(again).toMatchObject({ status: 409, body: { error: { message: "这件诉求已被其他志愿者认领" } } });
  });

  it("attack: a volunteer of another grid is refused exactly as for a case that does not exist, and nothing changes", async () => {
    const number = await offeredCase("grid");
    const chen = await volunteer("陈芳"); // 幸福社区第二网格
    const other = await call("POST", `/api/admin/volunteer-tasks/${number}/claim`, { volunteerId: chen.id });
    const missing = await call("POST", "/api/admin/volunteer-tasks/2099-999999/claim", { volunteerId: chen.id });
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(`未找到该工单，或您无权查看（${number}）`);
    expect(missing.body.error.message).toBe("未找到该工单，或您无权查看（2099-999999）");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number }, include: { volunteerTask: true } });
    expect(kase).toMatchObject({ status: "accepted", volunteerTask: { status: "offered", volunteerId: null } });
    expect((await call("POST", "/api/admin/volunteer-tasks/2026-1/claim", { volunteerId: chen.id })).body.error.message).toContain("工单号形如 2026-000123");
  });
});

describe("a household's note or visit from the console", () => {
  it("records a note and a visit on a case of its buildings (201); another building's case reads as not found", async () => {
    const zhang = await svc.services.db.partyHousehold.findFirstOrThrow({ where: { address: "sim-household-zhang" } });
    const ninth = await svc.services.intake.receive({ channel: "simulator", messageId: `hh-${Math.random()}`, chatId: "sim-xingfu-2", isGroup: true, senderId: "r-hh", senderName: "居民", text: "@小民 9号楼楼道灯坏了", mentionsBot: true }, clock.now());
    const number = ninth.case!.number;
    expect(await call("POST", `/api/admin/households/${zhang.id}/notes`, { number, text: "已电话了解", visit: false })).toMatchObject({ status: 201, body: { number } });
    expect((await call("POST", `/api/admin/households/${zhang.id}/notes`, { number, text: "已上门查看", visit: true })).status).toBe(201);
    const events = await svc.services.db.caseEvent.findMany({ where: { case: { number }, actor: "household" }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.type, e.note])).toEqual([["internal_note", "已电话了解"], ["household_visit", "已上门查看"]]);

    expect(await call("POST", `/api/admin/households/${zhang.id}/notes`, { number, text: " " })).toMatchObject({ status: 400 });
    const first = await svc.services.intake.receive({ channel: "simulator", messageId: `hh-${Math.random()}`, chatId: "sim-yangguang-1", isGroup: true, senderId: "r-hh2", senderName: "居民", text: "@小民 3号楼电梯坏了两天了", mentionsBot: true }, clock.now());
    const elsewhere = await call("POST", `/api/admin/households/${zhang.id}/notes`, { number: first.case!.number, text: "看看", visit: true });
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { message: `未找到该工单，或您无权查看（${first.case!.number}）` } } });
    expect(await svc.services.db.caseEvent.count({ where: { case: { number: first.case!.number }, actor: "household" } })).toBe(0);
  });

  it("adds and changes a household: buildings replaced, a grid is not a building, and stopped", async () => {
    const [nine, ten] = await Promise.all(["9号楼", "10号楼"].map((name) => svc.services.db.area.findFirstOrThrow({ where: { level: "building", name } })));
    const added = await call("POST", "/api/admin/households", { name: "周明家", families: 20, buildingIds: [nine.id, ten.id] });
    expect(added.status).toBe(201);
    expect(await buildingsOf("周明家")).toEqual(["幸福社区第二网格/10号楼", "幸福社区第二网格/9号楼"]);
    expect((await call("PATCH", `/api/admin/households/${added.body.id}`, { buildingIds: [ten.id], active: false })).status).toBe(200);
    expect(await buildingsOf("周明家")).toEqual(["幸福社区第二网格/10号楼"]);
    expect((await svc.services.db.partyHousehold.findUniqueOrThrow({ where: { id: added.body.id } })).active).toBe(false);
    const g = await grid("幸福社区第二网格");
    expect(await call("POST", "/api/admin/households", { name: "错楼家", buildingIds: [g.id] })).toMatchObject({ status: 400, body: { error: { message: "请选择楼栋" } } });
    expect(await call("PATCH", "/api/admin/households/999999", { note: "x" })).toMatchObject({ status: 404, body: { error: { message: "党员中心户不存在" } } });
  });
});

describe("attacks on the admin routes", () => {
  const ROUTES: [string, string, unknown][] = [
    ["GET", "/api/admin/volunteers", undefined],
    ["POST", "/api/admin/volunteers", { name: "冒名" }],
    ["PATCH", "/api/admin/volunteers/1", { active: false }],
    ["POST", "/api/admin/volunteers/import", { fileName: "a.csv", content: Buffer.from("姓名\n冒名").toString("base64") }],
    ["GET", "/api/admin/volunteers/ranking", undefined],
    ["PATCH", "/api/admin/volunteers/matters/YL02", { volunteerClaimable: false }],
    ["POST", "/api/admin/volunteer-tasks/2026-000001/claim", { volunteerId: 1 }],
    ["POST", "/api/admin/households", { name: "冒名家" }],
    ["POST", "/api/admin/households/import", { fileName: "a.csv", content: Buffer.from("户名\n冒名家").toString("base64") }],
    ["PATCH", "/api/admin/households/1", { active: false }],
    ["POST", "/api/admin/households/1/notes", { number: "2026-000001", text: "冒名", visit: true }],
  ];

  it("refuses a worker's session (403) and a worker's API token (401) on every one, changing nothing", async () => {
    const { createApiToken } = await import("../src/http/apiTokens.ts");
    const { token } = await createApiToken(svc.services.db, { name: "12345平台", role: "worker" });
    const number = await offeredCase("attack");
    ROUTES[6][1] = `/api/admin/volunteer-tasks/${number}/claim`;
    const before = { volunteers: await svc.services.db.volunteer.findMany(), households: await svc.services.db.partyHousehold.findMany(), events: await svc.services.db.caseEvent.count() };
    for (const [method, path, body] of ROUTES) {
      const bySession = await call(method, path, body, worker);
      expect(bySession.status, `${method} ${path}`).toBe(403);
      expect(bySession.body.error.message, `${method} ${path}`).toMatch(/[\u4e00-\u9fff]/);
      const res = await fetch(svc.url + path, { method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect(res.status, `${method} ${path} (token)`).toBe(401);
    }
    expect(await svc.services.db.volunteer.findMany()).toEqual(before.volunteers);
    expect(await svc.services.db.partyHousehold.findMany()).toEqual(before.households);
    expect(await svc.services.db.caseEvent.count()).toBe(before.events);
    expect((await svc.services.db.matter.findUniqueOrThrow({ where: { code: "YL02" } })).volunteerClaimable).toBe(true);
  });

  it("refuses bad ids (0, -1, 1e309, \"1; drop\") with 400 and a Chinese message", async () => {
    for (const id of ["0", "-1", "1e309", "1; drop", "1.5"]) {
      const at = encodeURIComponent(id);
      for (const [method, path, body] of [
        ["PATCH", `/api/admin/volunteers/${at}`, { active: false }],
        ["PATCH", `/api/admin/households/${at}`, { active: false }],
        ["POST", `/api/admin/households/${at}/notes`, { number: "2026-000001", text: "x" }],
      ] as const) {
        const r = await call(method, path, body);
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(r.body.error.message, `${method} ${path}`).toMatch(/^字段 id 无效：[\u4e00-\u9fff]/);
      }
    }
    for (const volunteerId of [0, -1, 1.5, "1; drop"]) {
      const r = await call("POST", "/api/admin/volunteer-tasks/2026-000001/claim", { volunteerId });
      expect(r.status, String(volunteerId)).toBe(400);
      expect(r.body.error.field).toBe("volunteerId");
    }
    // 1e309 in JSON is Infinity to the parser: not an id either.
    const res = await fetch(svc.url + "/api/admin/volunteer-tasks/2026-000001/claim", { method: "POST", headers: { "content-type": "application/json", cookie: admin.cookie, "x-csrf-token": admin.csrf }, body: '{"volunteerId": 1e309}' });
    expect(res.status).toBe(400);
    expect(await svc.services.db.volunteer.count({ where: { active: false } })).toBe(0);
  });
});
