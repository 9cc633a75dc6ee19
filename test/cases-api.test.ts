// Acting on cases through the API: tokens, scopes, lifecycle errors, and what the resident hears.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, groupMessage, startService, type TestService } from "./helpers/service.ts";
import { createApiToken } from "../src/http/apiTokens.ts";

let svc: TestService;
let unitToken = "";
let otherUnitToken = "";
let workerToken = "";

beforeAll(async () => {
  svc = await startService();
  const db = svc.services.db;
  const property = await db.unit.findUniqueOrThrow({ where: { name: "阳光花园物业服务中心" } });
  const police = await db.unit.findUniqueOrThrow({ where: { name: "阳光派出所" } });
  unitToken = (await createApiToken(db, { name: "物业系统", role: "unit", unitId: property.id })).token;
  otherUnitToken = (await createApiToken(db, { name: "派出所", role: "unit", unitId: police.id })).token;
  workerToken = (await createApiToken(db, { name: "12345平台", role: "worker" })).token;
  // Each test opens its own lift case with the same words in the same building (and the duplicates test two alike
  // appeals on purpose): they would join one case (同诉, covered in same-problem.test.ts), so joining is off here.
  await svc.services.settings.update(EACH_APPEAL_ITS_OWN_CASE);
});
afterAll(async () => {
  await svc.close();
});

const act = (number: string, token: string, body: unknown) =>
  svc.post(`/api/cases/${number}/actions`, body, token ? { authorization: `Bearer ${token}` } : {});
const read = async (number: string, token: string) => {
  const res = await fetch(`${svc.url}/api/cases/${number}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
};
/** A resident's appeal in the demo group (a new resident each time); the number of the case it opened. */
const appeal = async (text: string) => {
  const res = await svc.post("/api/channels/http/messages", groupMessage(`@小民 ${text}`));
  expect(res.body.case?.number, `no case opened for ${text}`).toBeTruthy();
  return res.body.case.number as string;
};
/** Each test's own lift case, dispatched to the property company (DT01). */
const openLift = () => appeal("3号楼电梯坏了两天了");
/** A lift case the property company has taken and resolved. */
async function resolvedLift() {
  const lift = await openLift();
  expect((await act(lift, unitToken, { action: "accept" })).status).toBe(200);
  expect((await act(lift, unitToken, { action: "resolve", text: "已更换门机板" })).body.status).toBe("resolved");
  return lift;
}

describe("case API", () => {
  it("requires a valid token", async () => {
    const lift = await openLift();
    expect((await act(lift, "", { action: "accept" })).status).toBe(401);
    expect((await act(lift, "mh_not-a-token", { action: "accept" })).status).toBe(401);
    expect((await read(lift, "mh_not-a-token")).status).toBe(401);
  });

  it("lets the lead unit read and act on its case, recording who did it", async () => {
    const lift = await openLift();
    const r = await read(lift, unitToken);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ number: lift, status: "dispatched", leadUnit: "阳光花园物业服务中心", matter: { code: "DT01" } });
    const accepted = await act(lift, unitToken, { action: "accept" });
    expect(accepted.body).toEqual({ number: lift, status: "dispatched", statusLabel: "已派单" });
    const resolved = await act(lift, unitToken, { action: "resolve", text: "已更换门机板" });
    expect(resolved.body.status).toBe("resolved");
    const kase = await svc.services.db.case.findUniqueOrThrow({ where: { number: lift }, include: { events: true } });
    expect(kase.respondedAt).not.toBeNull();
    expect(kase.events.filter((e) => e.actor === "unit").map((e) => [e.type, e.actorId])).toEqual([
      ["accept", expect.stringMatching(/^token:\d+$/)],
      ["resolve", expect.stringMatching(/^token:\d+$/)],
    ]);
  });

  it("explains lifecycle errors: 409 for a step that does not fit, 400 for a missing result", async () => {
    const lift = await resolvedLift();
    const again = await act(lift, unitToken, { action: "start" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe("工单当前状态为“已办结”，不能开始办理");
    const other = await appeal("5号楼楼道里堆满了纸箱和旧家具，走路都困难");
    const missing = await act(other, unitToken, { action: "resolve" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe("办结需要填写办理结果");
  });

  it("hides other units' cases and refuses worker-only actions to units", async () => {
    const lift = await openLift();
    expect((await read(lift, otherUnitToken)).status).toBe(404);
    expect((await act(lift, otherUnitToken, { action: "accept" })).status).toBe(404);
    const other = await appeal("6号楼楼道里堆满了杂物");
    const res = await act(other, unitToken, { action: "reject", text: "不是诉求" });
    expect(res.status).toBe(403);
  });

  it("lets a worker reopen a case, and a public note reaches the resident while an internal one does not", async () => {
    const lift = await resolvedLift();
    const reopened = await act(lift, workerToken, { action: "reopen", text: "居民电话反映仍有异响" });
    expect(reopened.body.status).toBe("reopened");
    await act(lift, workerToken, { action: "note", text: "维保公司明天上午到场", public: true });
    await act(lift, workerToken, { action: "note", text: "维保合同下月到期", public: false });
    const toResident = await svc.services.db.outbox.findMany({ where: { case: { number: lift }, chatId: "yangguang-owners", kind: "progress" }, orderBy: { id: "asc" } });
    expect(toResident.map((m) => m.text).join("\n")).toContain("维保公司明天上午到场");
    expect(toResident.map((m) => m.text).join("\n")).not.toContain("维保合同");
    expect(toResident.map((m) => m.text).join("\n")).toContain("重新交办");
  });

  it("validates the body and the case number", async () => {
    const lift = await openLift();
    const bad = await act(lift, workerToken, { action: "fly" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("action");
    expect((await read("12345", workerToken)).status).toBe(400);
    expect((await read("2026-999999", workerToken)).status).toBe(404);
  });

  it("reports KPIs per unit to workers only", async () => {
    // This test's own three cases for the property company (other tests' cases may add to the volume).
    for (const text of ["3号楼电梯坏了两天了", "5号楼楼道里堆满了纸箱和旧家具，走路都困难", "6号楼楼道里堆满了杂物"]) {
      expect((await read(await appeal(text), unitToken)).body.leadUnit).toBe("阳光花园物业服务中心");
    }
    const res = await fetch(`${svc.url}/api/kpis?groupBy=unit`, { headers: { authorization: `Bearer ${workerToken}` } });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    const property = body.rows.find((r: any) => r.group === "阳光花园物业服务中心");
    expect(property.volume).toBeGreaterThanOrEqual(3);
    expect(property.evaluated).toBe(0); // no survey has been answered in this test
    expect(property.satisfactionRate).toBeNull();
    expect(body.definitions.satisfactionRate).toContain("0.9 × 基本满意");
    const unit = await fetch(`${svc.url}/api/kpis`, { headers: { authorization: `Bearer ${unitToken}` } });
    expect(unit.status).toBe(403);
    // A grouping the API does not have is refused (street and district are groupings now).
    const bad = await fetch(`${svc.url}/api/kpis?groupBy=building`, { headers: { authorization: `Bearer ${workerToken}` } });
    expect(bad.status).toBe(400);
  });

  it("shows how the bot classified a case and suggests duplicates, most alike first", async () => {
    const a = await appeal("8号楼门口的垃圾桶满了好几天没人清运");
    await appeal("北门路灯不亮了");
    const b = await appeal("8号楼门口垃圾桶满出来好几天了没人清运");
    const detail = await read(b, workerToken);
    expect(detail.body.classification).toMatchObject({ source: "local", fallbackReason: null });
    expect(detail.body.classification.alternatives.length).toBeGreaterThan(1);
    expect(detail.body.classification.alternatives[0].code).toBe("HW01");
    const res = await fetch(`${svc.url}/api/cases/${b}/duplicates`, { headers: { authorization: `Bearer ${workerToken}` } });
    const dups: any = await res.json();
    expect(dups.duplicates[0]).toMatchObject({ number: a });
    expect(dups.duplicates[0].similarity).toBeGreaterThan(0.3);
    expect(dups.duplicates.map((d: any) => d.number)).not.toContain(b);
  });

  it("exports the KPIs to XLSX with the definitions", async () => {
    await openLift(); // the property company has a case of its own in this test
    const res = await fetch(`${svc.url}/api/kpis/export.xlsx?groupBy=unit`, { headers: { authorization: `Bearer ${workerToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const sheet = wb.getWorksheet("考核评价")!;
    expect(sheet.getRow(1).getCell(1).value).toBe("承办单位");
    const groups = Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect(groups).toContain("阳光花园物业服务中心");
    expect(wb.getWorksheet("指标说明")!.rowCount).toBe(5);
  });

  it("leaves other routes alone", async () => {
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
  });
});
