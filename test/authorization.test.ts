// Who may call what: every route the app serves (walked from its routers, so a new route without a row fails the
// first test) × six callers — no one, a worker of another grid, a unit's API token, a worker's API token, the
// worker of the case's grid, an administrator — with the answer each must get. Public routes and those guarded by
// their own mechanism (signature, signed link, this machine only) are in the table too, with that expectation.
// Rows named "... rule:" check the case-scope and loopback rules that came in with their own changes (8e458bd, 3908c66).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSignature } from "@wecom/crypto";
import { startService, type TestService } from "./helpers/service.ts";
import { signIn, type Session } from "./helpers/session.ts";
import { rawRequest, type RawResponse } from "./helpers/raw.ts";
import { startFakeLlm, type FakeLlm } from "./helpers/fakeLlm.ts";
import { MP, officialChannelsEnv, startFakeWechat, TINY_JPEG, type FakeWechat } from "./helpers/fakeWechat.ts";
import { appRouters } from "../src/app.ts";
import { createApiToken } from "../src/http/apiTokens.ts";
import { createUser } from "../src/auth/users.ts";

const WHO = ["anonymous", "otherGridWorker", "unitToken", "workerToken", "gridWorker", "admin"] as const;
type Who = (typeof WHO)[number];
/** A status, any 2xx, or "hidden": 404 with exactly the body the same caller gets for a case number that does not exist. */
type Expect = number | "2xx" | "hidden";
type Expectations = Record<Who, Expect>;

/** How a route is guarded: by who calls (session or token), or by its own mechanism. */
type Guard = "identity" | "public" | "signature" | "loopback";

interface Req {
  path: string;
  body?: unknown;
  /** A urlencoded form (the survey page), sent as it is. */
  form?: string;
  headers?: Record<string, string>;
  /** Use a new session or token of this caller (the request ends it, e.g. logout). */
  fresh?: boolean;
}

interface Row {
  /** METHOD and the router's path, e.g. "GET /api/cases/:number". */
  route: string;
  variant?: string;
  /** Expectations that belong to a rule brought in by its own change, named in the test. */
  rule?: { why: string; who: Who[] };
  guard: Guard;
  request: (f: Fixture, who: Who) => Req;
  expect: Expectations;
}

interface Fixture {
  caseA: string;
  caseR: string;
  caseB: string;
  photoA: number;
  photoR: number;
  gridA: number;
  gridB: number;
  spareUserId: number;
  /** An account whose password an administrator's row resets, and a token one revokes: no other row uses them. */
  resettableUserId: number;
  revocableTokenId: number;
  spare: { username: string; password: string };
  spareAreaId: number;
  deletableAreaId: number;
  spareUnitId: number;
  /** A role of the territorial list no matter names (its fillers change nobody's cases). */
  spareRoleId: number;
  spareGroupId: number;
  listVersionId: number;
  /** The first prompt version's texts (a new version made from them is valid). */
  prompt: { system: string; user: string };
  mediaLinkA: string;
  surveyLinkA: string;
}

const MISSING = "2099-999999";
const UNIT_SCOPE = "unit scope rule: a unit sees a case only once it is dispatched to it";
const underReview = { why: UNIT_SCOPE, who: ["unitToken"] as Who[] };
const LOOPBACK = "loopback rule: loopback socket, loopback Host, no forwarding headers";
/** The appeal the stand-in model is unsure of: opened as 待人工确认, with 物业 as its guessed lead unit. */
const UNSURE = "说不太清楚的声音";

// Expectation presets.
const all = (e: Expect): Expectations => ({ anonymous: e, otherGridWorker: e, unitToken: e, workerToken: e, gridWorker: e, admin: e });
const adminOnly = (ok: Expect = "2xx"): Expectations => ({ anonymous: 401, otherGridWorker: 403, unitToken: 401, workerToken: 401, gridWorker: 403, admin: ok });
const sessions = (ok: Expect = "2xx"): Expectations => ({ anonymous: 401, otherGridWorker: ok, unitToken: 401, workerToken: 401, gridWorker: ok, admin: ok });
const principals = (ok: Expect = "2xx"): Expectations => ({ anonymous: 401, otherGridWorker: ok, unitToken: ok, workerToken: ok, gridWorker: ok, admin: ok });
const notUnits = (ok: Expect = "2xx"): Expectations => ({ ...principals(ok), unitToken: 403 });
/** A case in grid A, dispatched to the unit: everyone but the other grid's worker (who gets "not found"). */
const caseInScope = (ok: Expect = "2xx"): Expectations => ({ ...principals(ok), otherGridWorker: "hidden" });
/** A case in grid A still awaiting review, its guessed lead unit the token's unit: not the unit's yet. */
const caseUnderReview = (ok: Expect = "2xx"): Expectations => ({ ...caseInScope(ok), unitToken: "hidden" });
const caseMissing: Expectations = { ...all(404), anonymous: 401 };

const TABLE: Row[] = [
  // Public.
  { route: "GET /health", guard: "public", request: () => ({ path: "/health" }), expect: all(200) },
  { route: "GET /api/openapi.json", guard: "public", request: () => ({ path: "/api/openapi.json" }), expect: all(200) },
  { route: "GET /", guard: "public", request: () => ({ path: "/" }), expect: all(302) },
  { route: "GET /console/", guard: "public", request: () => ({ path: "/console/" }), expect: all(200) },
  { route: "GET /console/console.css", guard: "public", request: () => ({ path: "/console/console.css" }), expect: all(200) },
  { route: "GET /console/vendor/echarts.min.js", guard: "public", request: () => ({ path: "/console/vendor/echarts.min.js" }), expect: all(200) },
  { route: "GET /console/:module", guard: "public", request: () => ({ path: "/console/console.js" }), expect: all(200) },
  { route: "GET /console/:module", variant: "a file outside the app's modules", guard: "public", request: () => ({ path: "/console/..%2Fconsole.css" }), expect: all(404) },
  { route: "POST /api/auth/login", guard: "public", request: (f) => ({ path: "/api/auth/login", body: f.spare }), expect: all(200) },

  // WeChat's callbacks: only a valid signature gets in; a session or a token is no substitute.
  { route: "GET /channels/wechat-mp", variant: "unsigned", guard: "signature", request: () => ({ path: "/channels/wechat-mp?echostr=1" }), expect: all(401) },
  { route: "GET /channels/wechat-mp", variant: "signed", guard: "signature", request: () => ({ path: `/channels/wechat-mp?${mpVerifyQuery()}` }), expect: all(200) },
  { route: "POST /channels/wechat-mp", variant: "unsigned", guard: "signature", request: () => ({ path: "/channels/wechat-mp", body: "<xml><Content>hi</Content></xml>" }), expect: all(401) },
  { route: "GET /channels/wecom", variant: "unsigned", guard: "signature", request: () => ({ path: "/channels/wecom?echostr=1" }), expect: all(401) },
  { route: "POST /channels/wecom", variant: "unsigned", guard: "signature", request: () => ({ path: "/channels/wecom", body: "<xml><Encrypt>x</Encrypt></xml>" }), expect: all(401) },
  // Signed, expiring links: the signature is the permission, for anyone holding the link.
  { route: "GET /media/:id", variant: "unsigned", guard: "signature", request: (f) => ({ path: `/media/${f.photoA}` }), expect: all(403) },
  { route: "GET /media/:id", variant: "forged signature", guard: "signature", request: (f) => ({ path: `/media/${f.photoA}?exp=4102444800&sig=${"A".repeat(32)}` }), expect: all(403) },
  { route: "GET /media/:id", variant: "signed link", guard: "signature", request: (f) => ({ path: f.mediaLinkA }), expect: all(200) },
  { route: "GET /r/:token", variant: "forged link", guard: "signature", request: () => ({ path: `/r/1.0.4102444800.${"A".repeat(32)}` }), expect: all(403) },
  { route: "GET /r/:token", variant: "signed link", guard: "signature", request: (f) => ({ path: f.surveyLinkA }), expect: all(200) },
  { route: "POST /r/:token", variant: "forged link", guard: "signature", request: () => ({ path: `/r/1.0.4102444800.${"A".repeat(32)}`, form: "rating=satisfied" }), expect: all(403) },
  // Signed, for a case still being handled: past the signature, "already answered / not open for answers".
  { route: "POST /r/:token", variant: "signed link, case not awaiting feedback", guard: "signature", request: (f) => ({ path: f.surveyLinkA, form: "rating=satisfied" }), expect: all(409) },

  // This machine only (the test is loopback; SIMULATOR_ENABLED, as real channels are configured). See the forwarded rows generated below.
  { route: "POST /api/channels/http/messages", guard: "loopback", request: () => ({ path: "/api/channels/http/messages", body: { messageId: randomUUID(), chatId: `authz-${randomUUID()}`, senderId: "authz-resident", text: "你好" } }), expect: all(200) },
  { route: "GET /simulator", guard: "loopback", request: () => ({ path: "/simulator" }), expect: all(200) },
  { route: "GET /simulator.js", guard: "loopback", request: () => ({ path: "/simulator.js" }), expect: all(200) },
  { route: "GET /api/simulator/chats", guard: "loopback", request: () => ({ path: "/api/simulator/chats" }), expect: all(200) },
  // Valid bodies are refused outside development (403); an empty body shows the loopback check let it through.
  { route: "POST /api/simulator/clock", guard: "loopback", request: () => ({ path: "/api/simulator/clock", body: {} }), expect: all(400) },
  { route: "POST /api/simulator/messages", guard: "loopback", request: () => ({ path: "/api/simulator/messages", body: { chatId: "sim-private-authz", senderId: "authz", senderName: "测试", text: "你好" } }), expect: all(200) },
  { route: "GET /api/simulator/messages", guard: "loopback", request: () => ({ path: "/api/simulator/messages?chatId=sim-private-authz" }), expect: all(200) },
  { route: "GET /api/simulator/media/:id", guard: "loopback", request: (f) => ({ path: `/api/simulator/media/${f.photoA}` }), expect: all(200) },

  // Signed in (console session).
  { route: "POST /api/auth/logout", guard: "identity", request: () => ({ path: "/api/auth/logout", body: {}, fresh: true }), expect: sessions(204) },
  { route: "GET /api/auth/me", guard: "identity", request: () => ({ path: "/api/auth/me" }), expect: sessions(200) },
  // The right current password and an unacceptable new one: past the check, and no password changes.
  { route: "POST /api/auth/password", guard: "identity", request: (_f, who) => ({ path: "/api/auth/password", body: { currentPassword: passwordOf[who]?.password ?? "x", newPassword: "" } }), expect: sessions(400) },

  // Any principal (session or API token); units see their own cases.
  { route: "GET /api/cases", guard: "identity", request: () => ({ path: "/api/cases" }), expect: principals(200) },
  { route: "GET /api/cases/export.csv", guard: "identity", request: () => ({ path: "/api/cases/export.csv" }), expect: principals(200) },
  { route: "GET /api/cases/export.xlsx", guard: "identity", request: () => ({ path: "/api/cases/export.xlsx" }), expect: principals(200) },
  { route: "GET /api/cases/:number", variant: "case dispatched to the unit", guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseA}` }), expect: caseInScope(200) },
  { route: "GET /api/cases/:number", variant: "missing number", guard: "identity", request: () => ({ path: `/api/cases/${MISSING}` }), expect: caseMissing },
  { route: "GET /api/cases/:number", variant: "case under review", rule: underReview, guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseR}` }), expect: caseUnderReview(200) },
  { route: "GET /api/cases/:number/attachments/:id", variant: "case dispatched to the unit", guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseA}/attachments/${f.photoA}` }), expect: caseInScope(200) },
  { route: "GET /api/cases/:number/attachments/:id", variant: "missing number", guard: "identity", request: (f) => ({ path: `/api/cases/${MISSING}/attachments/${f.photoA}` }), expect: caseMissing },
  { route: "GET /api/cases/:number/attachments/:id", variant: "case under review", rule: underReview, guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseR}/attachments/${f.photoR}` }), expect: caseUnderReview(200) },
  { route: "GET /api/cases/:number/duplicates", variant: "case dispatched to the unit", guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseA}/duplicates` }), expect: caseInScope(200) },
  { route: "GET /api/cases/:number/duplicates", variant: "missing number", guard: "identity", request: () => ({ path: `/api/cases/${MISSING}/duplicates` }), expect: caseMissing },
  { route: "GET /api/cases/:number/duplicates", variant: "case under review", rule: underReview, guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseR}/duplicates` }), expect: caseUnderReview(200) },
  // A note: what every principal with the case may do, and changes nothing any other row reads.
  { route: "POST /api/cases/:number/actions", variant: "a note, case dispatched to the unit", guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseA}/actions`, body: { action: "note", text: "授权测试备注" } }), expect: caseInScope(200) },
  { route: "POST /api/cases/:number/actions", variant: "a note, missing number", guard: "identity", request: () => ({ path: `/api/cases/${MISSING}/actions`, body: { action: "note", text: "授权测试备注" } }), expect: caseMissing },
  { route: "POST /api/cases/:number/actions", variant: "a note, case under review", rule: underReview, guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseR}/actions`, body: { action: "note", text: "授权测试备注" } }), expect: caseUnderReview(200) },

  // Workers and worker tokens, not units.
  { route: "GET /api/kpis", guard: "identity", request: () => ({ path: "/api/kpis" }), expect: notUnits(200) },
  { route: "GET /api/kpis/export.xlsx", guard: "identity", request: () => ({ path: "/api/kpis/export.xlsx" }), expect: notUnits(200) },
  { route: "GET /api/kpis/export.csv", guard: "identity", request: () => ({ path: "/api/kpis/export.csv" }), expect: notUnits(200) },
  // 热点 (未诉先办, 每月一题): workers and worker tokens, in the cases' scope (hotspots.test.ts tries another grid's).
  { route: "GET /api/hotspots", guard: "identity", request: () => ({ path: "/api/hotspots" }), expect: notUnits(200) },
  { route: "GET /api/hotspots/monthly", guard: "identity", request: () => ({ path: "/api/hotspots/monthly" }), expect: notUnits(200) },
  { route: "GET /api/hotspots/monthly.csv", guard: "identity", request: () => ({ path: "/api/hotspots/monthly.csv" }), expect: notUnits(200) },
  { route: "GET /api/hotspots/monthly.xlsx", guard: "identity", request: () => ({ path: "/api/hotspots/monthly.xlsx" }), expect: notUnits(200) },
  { route: "POST /api/hotspots/:id/task", variant: "missing hotspot", guard: "identity", request: () => ({ path: "/api/hotspots/999999/task", body: {} }), expect: notUnits(404) },
  { route: "POST /api/hotspots/:id/dismiss", variant: "missing hotspot", guard: "identity", request: () => ({ path: "/api/hotspots/999999/dismiss", body: {} }), expect: notUnits(404) },
  // Bookings (预约): administrators, workers and worker tokens see every place's; units none (bookings.test.ts acts on one).
  { route: "GET /api/bookings", guard: "identity", request: () => ({ path: "/api/bookings" }), expect: notUnits(200) },
  { route: "POST /api/bookings/:number/actions", variant: "missing booking", guard: "identity", request: () => ({ path: "/api/bookings/YY2099-999999/actions", body: { action: "confirm" } }), expect: notUnits(404) },
  { route: "GET /api/matters", guard: "identity", request: () => ({ path: `/api/matters?q=${encodeURIComponent("电梯")}` }), expect: notUnits(200) },
  { route: "GET /api/matters/:code/units", guard: "identity", request: (f) => ({ path: `/api/matters/DT01/units?areaId=${f.gridA}` }), expect: notUnits(200) },
  // 属地 preview at a case's place: for the people who confirm and correct cases, never a unit (whatever the case).
  { route: "GET /api/cases/:number/units", variant: "case dispatched to the unit", guard: "identity", request: (f) => ({ path: `/api/cases/${f.caseA}/units?matter=DT01` }), expect: { ...caseInScope(200), unitToken: 403 } },
  { route: "GET /api/cases/:number/units", variant: "missing number", guard: "identity", request: () => ({ path: `/api/cases/${MISSING}/units?matter=DT01` }), expect: { ...caseMissing, unitToken: 403 } },
  { route: "GET /api/admin/roles", guard: "identity", request: () => ({ path: "/api/admin/roles" }), expect: adminOnly(200) },
  { route: "POST /api/admin/roles", guard: "identity", request: () => ({ path: "/api/admin/roles", body: { code: `authz_${randomUUID().slice(0, 6)}`, name: `属地授权测试${randomUUID().slice(0, 6)}` } }), expect: adminOnly(201) },
  { route: "PATCH /api/admin/roles/:id", guard: "identity", request: (f) => ({ path: `/api/admin/roles/${f.spareRoleId}`, body: { description: "授权测试" } }), expect: adminOnly(200) },
  { route: "DELETE /api/admin/roles/:id", guard: "identity", request: () => ({ path: "/api/admin/roles/999999" }), expect: adminOnly(404) },
  { route: "PUT /api/admin/roles/:id/fillers/:areaId", guard: "identity", request: (f) => ({ path: `/api/admin/roles/${f.spareRoleId}/fillers/${f.spareAreaId}`, body: { unitId: f.spareUnitId } }), expect: adminOnly(200) },
  { route: "DELETE /api/admin/roles/:id/fillers/:areaId", guard: "identity", request: (f) => ({ path: `/api/admin/roles/${f.spareRoleId}/fillers/999999` }), expect: adminOnly(404) },
  { route: "GET /api/units", guard: "identity", request: () => ({ path: "/api/units" }), expect: notUnits(200) },
  { route: "GET /api/grids", guard: "identity", request: () => ({ path: "/api/grids" }), expect: notUnits(200) },

  // Administrators (session) only. Where a valid request would change what other rows or the service rely on,
  // the administrator's request is aimed at nothing (404) or is incomplete (400): past the check either way.
  { route: "GET /api/users", guard: "identity", request: () => ({ path: "/api/users" }), expect: adminOnly(200) },
  { route: "POST /api/users", guard: "identity", request: () => ({ path: "/api/users", body: { username: `authz-${randomUUID().slice(0, 8)}`, displayName: "新账号", role: "worker" } }), expect: adminOnly(201) },
  { route: "PATCH /api/users/:id", guard: "identity", request: (f) => ({ path: `/api/users/${f.spareUserId}`, body: { disabled: false } }), expect: adminOnly(200) },
  { route: "POST /api/users/:id/password", guard: "identity", request: (f) => ({ path: `/api/users/${f.resettableUserId}/password`, body: {} }), expect: adminOnly(200) },
  { route: "GET /api/tokens", guard: "identity", request: () => ({ path: "/api/tokens" }), expect: adminOnly(200) },
  { route: "POST /api/tokens/:id/revoke", guard: "identity", request: (f) => ({ path: `/api/tokens/${f.revocableTokenId}/revoke`, body: {} }), expect: adminOnly(200) },
  { route: "GET /api/admin/prompts", guard: "identity", request: () => ({ path: "/api/admin/prompts" }), expect: adminOnly(200) },
  { route: "GET /api/admin/prompts/:id", guard: "identity", request: () => ({ path: "/api/admin/prompts/1" }), expect: adminOnly(200) },
  { route: "POST /api/admin/prompts", guard: "identity", request: (f) => ({ path: "/api/admin/prompts", body: { ...f.prompt, note: "授权测试" } }), expect: adminOnly("2xx") },
  { route: "GET /api/admin/prompts/:id/diff", guard: "identity", request: () => ({ path: "/api/admin/prompts/1/diff" }), expect: adminOnly(200) },
  { route: "POST /api/admin/prompts/:id/preview", guard: "identity", request: () => ({ path: "/api/admin/prompts/1/preview", body: { text: "3号楼电梯坏了" } }), expect: adminOnly(200) },
  { route: "POST /api/admin/prompts/:id/activate", guard: "identity", request: () => ({ path: "/api/admin/prompts/999999/activate", body: {} }), expect: adminOnly(404) },
  { route: "POST /api/admin/evaluations", guard: "identity", request: () => ({ path: "/api/admin/evaluations", body: { dataset: "upload" } }), expect: adminOnly(400) },
  { route: "GET /api/admin/evaluations/:id", guard: "identity", request: () => ({ path: "/api/admin/evaluations/999999" }), expect: adminOnly(404) },
  { route: "GET /api/admin/org", guard: "identity", request: () => ({ path: "/api/admin/org" }), expect: adminOnly(200) },
  { route: "GET /api/admin/groups/joined", guard: "identity", request: () => ({ path: "/api/admin/groups/joined" }), expect: adminOnly(200) },
  { route: "POST /api/admin/areas", guard: "identity", request: (f) => ({ path: "/api/admin/areas", body: { level: "building", name: `授权测试楼${randomUUID().slice(0, 6)}`, parentId: f.gridB } }), expect: adminOnly("2xx") },
  { route: "PATCH /api/admin/areas/:id", guard: "identity", request: (f) => ({ path: `/api/admin/areas/${f.spareAreaId}`, body: { name: "授权测试楼甲" } }), expect: adminOnly(200) },
  { route: "DELETE /api/admin/areas/:id", guard: "identity", request: (f) => ({ path: `/api/admin/areas/${f.deletableAreaId}` }), expect: adminOnly("2xx") },
  { route: "POST /api/admin/areas/:id/contacts", guard: "identity", request: (f) => ({ path: `/api/admin/areas/${f.spareAreaId}/contacts`, body: { kind: "phone", address: "0571-00000000" } }), expect: adminOnly("2xx") },
  { route: "DELETE /api/admin/area-contacts/:id", guard: "identity", request: () => ({ path: "/api/admin/area-contacts/999999" }), expect: adminOnly(404) },
  { route: "POST /api/admin/units", guard: "identity", request: () => ({ path: "/api/admin/units", body: { name: `授权测试单位${randomUUID().slice(0, 6)}` } }), expect: adminOnly("2xx") },
  { route: "PATCH /api/admin/units/:id", guard: "identity", request: (f) => ({ path: `/api/admin/units/${f.spareUnitId}`, body: { kind: "other" } }), expect: adminOnly(200) },
  { route: "POST /api/admin/units/:id/contacts", guard: "identity", request: (f) => ({ path: `/api/admin/units/${f.spareUnitId}/contacts`, body: { kind: "phone", address: "0571-00000001" } }), expect: adminOnly("2xx") },
  { route: "DELETE /api/admin/unit-contacts/:id", guard: "identity", request: () => ({ path: "/api/admin/unit-contacts/999999" }), expect: adminOnly(404) },
  { route: "POST /api/admin/groups", guard: "identity", request: (f) => ({ path: "/api/admin/groups", body: { channel: "http", chatId: `authz-${randomUUID()}`, name: "授权测试群", gridId: f.gridB, enabled: false } }), expect: adminOnly("2xx") },
  { route: "PATCH /api/admin/groups/:id", guard: "identity", request: (f) => ({ path: `/api/admin/groups/${f.spareGroupId}`, body: { enabled: false } }), expect: adminOnly(200) },
  { route: "DELETE /api/admin/groups/:id", guard: "identity", request: () => ({ path: "/api/admin/groups/999999" }), expect: adminOnly(404) },
  { route: "GET /api/admin/emergency-rules", guard: "identity", request: () => ({ path: "/api/admin/emergency-rules" }), expect: adminOnly(200) },
  { route: "POST /api/admin/emergency-rules", guard: "identity", request: () => ({ path: "/api/admin/emergency-rules", body: {} }), expect: adminOnly(400) },
  { route: "PUT /api/admin/emergency-rules/:code", guard: "identity", request: () => ({ path: "/api/admin/emergency-rules/no-such-rule", body: { name: "不存在" } }), expect: adminOnly(404) },
  { route: "GET /api/admin/settings", guard: "identity", request: () => ({ path: "/api/admin/settings" }), expect: adminOnly(200) },
  { route: "PATCH /api/admin/settings", guard: "identity", request: () => ({ path: "/api/admin/settings", body: {} }), expect: adminOnly(200) },
  { route: "GET /api/admin/matters", guard: "identity", request: () => ({ path: "/api/admin/matters" }), expect: adminOnly(200) },
  { route: "PUT /api/admin/matters/:code", guard: "identity", request: () => ({ path: "/api/admin/matters/NO-SUCH", body: { name: "不存在", reason: "授权测试" } }), expect: adminOnly(404) },
  { route: "POST /api/admin/matters", guard: "identity", request: () => ({ path: "/api/admin/matters", body: {} }), expect: adminOnly(400) },
  { route: "POST /api/admin/list/preview", guard: "identity", request: () => ({ path: "/api/admin/list/preview", body: {} }), expect: adminOnly(400) },
  { route: "POST /api/admin/list/apply", guard: "identity", request: () => ({ path: "/api/admin/list/apply", body: {} }), expect: adminOnly(400) },
  { route: "GET /api/admin/list/export.xlsx", guard: "identity", request: () => ({ path: "/api/admin/list/export.xlsx" }), expect: adminOnly(200) },
  { route: "GET /api/admin/list/export.csv", guard: "identity", request: () => ({ path: "/api/admin/list/export.csv" }), expect: adminOnly(200) },
  { route: "GET /api/admin/list/versions", guard: "identity", request: () => ({ path: "/api/admin/list/versions" }), expect: adminOnly(200) },
  { route: "POST /api/admin/list/versions/:id/restore", guard: "identity", request: () => ({ path: "/api/admin/list/versions/999999/restore", body: { reason: "授权测试" } }), expect: adminOnly(404) },
  { route: "GET /api/admin/list/versions/:id", guard: "identity", request: (f) => ({ path: `/api/admin/list/versions/${f.listVersionId}` }), expect: adminOnly(200) },
  { route: "GET /api/admin/replies", guard: "identity", request: () => ({ path: "/api/admin/replies" }), expect: adminOnly(200) },
  { route: "GET /api/admin/replies/:key/versions", guard: "identity", request: () => ({ path: "/api/admin/replies/help/versions" }), expect: adminOnly(200) },
  { route: "POST /api/admin/replies/:key/preview", guard: "identity", request: () => ({ path: "/api/admin/replies/help/preview", body: { text: "您好" } }), expect: adminOnly(200) },
  { route: "PUT /api/admin/replies/:key", guard: "identity", request: () => ({ path: "/api/admin/replies/help", body: {} }), expect: adminOnly(400) },
  // Back to the file's text: the text every other row already reads.
  { route: "POST /api/admin/replies/:key/reset", guard: "identity", request: () => ({ path: "/api/admin/replies/help/reset", body: {} }), expect: adminOnly(200) },
  { route: "GET /api/admin/channels", guard: "identity", request: () => ({ path: "/api/admin/channels" }), expect: adminOnly(200) },
  // Service places: administrators keep them (aimed at nothing or incomplete where a valid request would change the seeded places); workers read them.
  { route: "GET /api/admin/places", guard: "identity", request: () => ({ path: "/api/admin/places" }), expect: adminOnly(200) },
  { route: "POST /api/admin/places", guard: "identity", request: () => ({ path: "/api/admin/places", body: {} }), expect: adminOnly(400) },
  { route: "PATCH /api/admin/places/:id", guard: "identity", request: () => ({ path: "/api/admin/places/999999", body: { note: "授权测试" } }), expect: adminOnly(404) },
  { route: "POST /api/admin/places/:id/contacts", guard: "identity", request: () => ({ path: "/api/admin/places/999999/contacts", body: { kind: "phone", address: "0571-00000002" } }), expect: adminOnly(404) },
  { route: "DELETE /api/admin/place-contacts/:id", guard: "identity", request: () => ({ path: "/api/admin/place-contacts/999999" }), expect: adminOnly(404) },
  { route: "POST /api/admin/places/import/preview", guard: "identity", request: () => ({ path: "/api/admin/places/import/preview", body: {} }), expect: adminOnly(400) },
  { route: "POST /api/admin/places/import", guard: "identity", request: () => ({ path: "/api/admin/places/import", body: {} }), expect: adminOnly(400) },
  { route: "GET /api/places", guard: "identity", request: () => ({ path: "/api/places" }), expect: notUnits(200) },
  // Volunteers and 党员中心户: administrators only; each request is incomplete or aimed at nothing, so no row changes another's data.
  { route: "GET /api/admin/volunteers", guard: "identity", request: () => ({ path: "/api/admin/volunteers" }), expect: adminOnly(200) },
  { route: "POST /api/admin/volunteers", guard: "identity", request: () => ({ path: "/api/admin/volunteers", body: {} }), expect: adminOnly(400) },
  { route: "PATCH /api/admin/volunteers/:id", guard: "identity", request: () => ({ path: "/api/admin/volunteers/999999", body: { active: true } }), expect: adminOnly(404) },
  { route: "POST /api/admin/volunteers/import", guard: "identity", request: () => ({ path: "/api/admin/volunteers/import", body: {} }), expect: adminOnly(400) },
  { route: "GET /api/admin/volunteers/ranking", guard: "identity", request: () => ({ path: "/api/admin/volunteers/ranking?month=2026-10" }), expect: adminOnly(200) },
  { route: "PATCH /api/admin/volunteers/matters/:code", guard: "identity", request: () => ({ path: "/api/admin/volunteers/matters/NO-SUCH", body: { volunteerClaimable: false } }), expect: adminOnly(404) },
  { route: "POST /api/admin/volunteer-tasks/:number/claim", guard: "identity", request: () => ({ path: `/api/admin/volunteer-tasks/${MISSING}/claim`, body: { volunteerId: 999999 } }), expect: adminOnly(404) },
  { route: "POST /api/admin/households", guard: "identity", request: () => ({ path: "/api/admin/households", body: {} }), expect: adminOnly(400) },
  { route: "POST /api/admin/households/import", guard: "identity", request: () => ({ path: "/api/admin/households/import", body: {} }), expect: adminOnly(400) },
  { route: "PATCH /api/admin/households/:id", guard: "identity", request: () => ({ path: "/api/admin/households/999999", body: { note: "授权测试" } }), expect: adminOnly(404) },
  { route: "POST /api/admin/households/:id/notes", guard: "identity", request: () => ({ path: "/api/admin/households/999999/notes", body: { number: MISSING, text: "授权测试" } }), expect: adminOnly(404) },
];

/** Headers that must not let a request from elsewhere pass for one from this machine. */
const FORWARDED: { name: string; headers: Record<string, string> }[] = [
  { name: "X-Forwarded-For 1.2.3.4", headers: { "x-forwarded-for": "1.2.3.4" } },
  { name: "Host evil.example", headers: { host: "evil.example" } },
];

/** A signed URL verification of the 服务号 callback, as WeChat sends it. */
function mpVerifyQuery() {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "4242";
  return new URLSearchParams({ signature: getSignature(MP.token, timestamp, nonce, ""), timestamp, nonce, echostr: "authz-echo" }).toString();
}

let svc: TestService;
let llm: FakeLlm;
let wechat: FakeWechat;
let f: Fixture;
const sessionOf: Partial<Record<Who, Session>> = {};
const tokenOf: Partial<Record<Who, string>> = {};
const passwordOf: Partial<Record<Who, { username: string; password: string }>> = {};
let coopToken = "";
let coopTokenId = 0;
let policeToken = "";

beforeAll(async () => {
  llm = await startFakeLlm();
  // A stand-in model: sure of 电梯故障 for every appeal, except the one it cannot make out.
  llm.respond((body) => {
    const user = String(body.messages.at(-1).content);
    const unsure = user.includes(UNSURE);
    return { kind: "json", body: { matter_code: "DT01", urgency: "normal", confidence: unsure ? 0.2 : 0.95, missing_info: [], rationale: "测试" } };
  });
  wechat = await startFakeWechat();
  svc = await startService({ ...officialChannelsEnv(wechat), OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: "sk-test", LLM_MODEL: "stand-in", LLM_MAX_RETRIES: "0", SIMULATOR_ENABLED: "true", PUBLIC_URL: "http://minhu.test", LINK_SECRET: "a-link-secret-for-authz" });
  const db = svc.services.db;
  const grid = (name: string) => db.area.findFirstOrThrow({ where: { level: "grid", name } });
  const unit = (name: string) => db.unit.findUniqueOrThrow({ where: { name } });
  const gridA = (await grid("幸福社区第一网格")).id;
  const gridB = (await grid("幸福社区第二网格")).id;
  const property = await unit("阳光花园物业服务中心");

  const users: [Who, "worker" | "admin", number[]][] = [["admin", "admin", []], ["gridWorker", "worker", [gridA]], ["otherGridWorker", "worker", [gridB]]];
  for (const [who, role, gridIds] of users) {
    const login = { username: `authz-${who}`, password: `authz-${who}-password` };
    await createUser(db, { ...login, displayName: who, role, gridIds });
    passwordOf[who] = login;
    sessionOf[who] = await signIn(svc, login.username, login.password);
  }
  tokenOf.unitToken = (await createApiToken(db, { name: "物业系统", role: "unit", unitId: property.id })).token;
  tokenOf.workerToken = (await createApiToken(db, { name: "12345平台", role: "worker" })).token;
  ({ token: coopToken, id: coopTokenId } = await createApiToken(db, { name: "市场监管", role: "unit", unitId: (await unit("区市场监督管理局")).id }));
  policeToken = (await createApiToken(db, { name: "派出所", role: "unit", unitId: (await unit("阳光派出所")).id })).token;

  const a = await openCase("sim-yangguang-1", "@小民 3号楼电梯坏了两天了", true);
  const r = await openCase("sim-yangguang-1", `@小民 3号楼电梯${UNSURE}`, true);
  const b = await openCase("sim-xingfu-2", "@小民 8号楼电梯坏了两天了", false);
  expect(a).toMatchObject({ status: "dispatched", gridId: gridA, leadUnitId: property.id });
  expect(r).toMatchObject({ status: "needs_review", gridId: gridA, leadUnitId: property.id, dispatchedAt: null });
  expect(b).toMatchObject({ status: "dispatched", gridId: gridB });

  const spare = { username: "authz-spare", password: "authz-spare-password" };
  const spareUser = (await createUser(db, { ...spare, displayName: "备用账号", role: "worker" })).user;
  const area = (name: string) => db.area.create({ data: { level: "building", name, parentId: gridB } });
  const listVersion = await db.listVersion.findFirstOrThrow({ orderBy: { id: "desc" } });
  const url = (link: string) => {
    const u = new URL(link);
    return u.pathname + u.search;
  };
  f = {
    caseA: a.number,
    caseR: r.number,
    caseB: b.number,
    photoA: a.attachments[0].id,
    photoR: r.attachments[0].id,
    gridA,
    gridB,
    spareUserId: spareUser.id,
    resettableUserId: (await createUser(db, { username: "authz-resettable", displayName: "重置密码用", role: "worker" })).user.id,
    revocableTokenId: (await createApiToken(db, { name: "待吊销", role: "worker" })).id,
    spare,
    spareAreaId: (await area("授权测试楼甲")).id,
    deletableAreaId: (await area("授权测试楼乙")).id,
    spareUnitId: (await db.unit.create({ data: { name: "授权测试备用单位", kind: "other" } })).id,
    spareRoleId: (await db.role.create({ data: { code: "authz_role", name: "属地授权测试角色" } })).id,
    spareGroupId: (await db.chatGroup.create({ data: { channel: "http", chatId: "authz-spare-group", name: "授权测试备用群", gridId: gridB, enabled: false } })).id,
    listVersionId: listVersion.id,
    prompt: await db.promptVersion.findUniqueOrThrow({ where: { id: 1 }, select: { system: true, user: true } }),
    mediaLinkA: url(svc.services.links.media(a.attachments[0].id, new Date(Date.now() + 3600_000))),
    surveyLinkA: url(svc.services.links.survey(a.id, a.reworkCount, new Date(Date.now() + 3600_000))),
  };
});
afterAll(async () => {
  await svc?.close();
  await llm?.close();
  await wechat?.close();
});

/** A resident's photo, then the words, in a simulator group: the case with its photo. */
async function openCase(chatId: string, text: string, withPhoto: boolean) {
  const senderId = `authz-resident-${randomUUID()}`;
  const say = (m: Record<string, unknown>) => svc.services.intake.receive({ channel: "simulator", messageId: randomUUID(), chatId, senderId, isGroup: true, ...m } as never, svc.services.clock());
  if (withPhoto) await say({ kind: "image", text: "", media: { kind: "image", data: TINY_JPEG, fileName: "photo.jpg" } });
  const result = await say({ text, mentionsBot: true });
  if (!result.case) throw new Error(`no case for ${text}: ${JSON.stringify(result)}`);
  return svc.services.db.case.findUniqueOrThrow({ where: { number: result.case.number }, include: { attachments: { orderBy: { id: "asc" } } } });
}

/** The headers that make a request come from `who`; `fresh`: a new session (for a request that ends it). */
async function credentials(who: Who, fresh = false, csrf = true): Promise<Record<string, string>> {
  if (who === "unitToken" || who === "workerToken") return { authorization: `Bearer ${tokenOf[who]}` };
  if (who === "anonymous") return {};
  const s = fresh ? await signIn(svc, passwordOf[who]!.username, passwordOf[who]!.password) : sessionOf[who]!;
  return { cookie: s.cookie, ...(csrf ? { "x-csrf-token": s.csrf } : {}) };
}

async function send(method: string, req: Req, headers: Record<string, string>): Promise<RawResponse> {
  const body = req.form ?? (req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body));
  const type = req.form ? "application/x-www-form-urlencoded" : typeof req.body === "string" ? "text/xml" : "application/json";
  return rawRequest(svc.url, method, req.path, { headers: { ...(body !== undefined ? { "content-type": type } : {}), ...headers, ...req.headers }, body });
}

async function call(row: Row, who: Who, extra: { headers?: Record<string, string>; csrf?: boolean } = {}) {
  const [method] = row.route.split(" ");
  const req = row.request(f, who);
  const res = await send(method, req, { ...(await credentials(who, req.fresh, extra.csrf ?? true)), ...extra.headers });
  return { method, req, res };
}

const describeAnswer = (method: string, req: Req, res: RawResponse) => `${method} ${req.path} ${req.body !== undefined ? JSON.stringify(req.body) : ""} answered ${res.status} ${res.text.slice(0, 300)}`;

async function check(row: Row, who: Who, expected: Expect, extra: { headers?: Record<string, string> } = {}) {
  const { method, req, res } = await call(row, who, extra);
  const why = describeAnswer(method, req, res);
  if (expected === "2xx") expect(res.status, why).toBeGreaterThanOrEqual(200);
  if (expected === "2xx") expect(res.status, why).toBeLessThan(300);
  if (typeof expected === "number") expect(res.status, why).toBe(expected);
  if (expected === "hidden") {
    expect(res.status, why).toBe(404);
    // Exactly what the same caller hears for a number that does not exist: "not yours" reads as "not found".
    const number = /\/api\/cases\/(\d{4}-\d{6})/.exec(req.path)![1];
    const missing = await send(method, { ...req, path: req.path.replace(number, MISSING) }, await credentials(who));
    expect(missing.status, describeAnswer(method, { ...req, path: req.path.replace(number, MISSING) }, missing)).toBe(404);
    expect(res.json, why).toEqual(missing.json);
    expect(res.text).not.toContain(number);
  }
}

const label = (row: Row) => `${row.route}${row.variant ? `, ${row.variant}` : ""}`;
const shown = (e: Expect) => (e === "hidden" ? "404 as if missing" : String(e));

describe("the table covers the app", () => {
  it("has a row for every route the app serves, and none for a route it does not", () => {
    const served = new Set(appRouters(svc.services).flatMap((r) => r.stack.flatMap((l) => l.methods.filter((m) => m !== "HEAD").map((m) => `${m} ${l.path}`))));
    const tabled = new Set(TABLE.map((r) => r.route));
    expect([...served].filter((r) => !tabled.has(r)), "routes without a row in TABLE").toEqual([]);
    expect([...tabled].filter((r) => !served.has(r)), "rows for routes the app does not serve").toEqual([]);
  });
});

describe.each(TABLE.map((row) => [label(row), row] as const))("%s", (_name, row) => {
  for (const who of WHO) {
    const expected = row.expect[who];
    const rule = row.rule?.who.includes(who) ? `${row.rule.why}: ` : "";
    it(`${rule}as ${who} → ${shown(expected)}`, () => check(row, who, expected));
  }
});

describe("loopback-only routes refuse what only looks local", () => {
  const loopbackRows = TABLE.filter((r) => r.guard === "loopback");
  for (const row of loopbackRows) {
    for (const fwd of FORWARDED) {
      for (const who of ["anonymous", "admin"] as const) {
        it(`${LOOPBACK}: ${row.route} with ${fwd.name} as ${who} → 403`, () => check(row, who, 403, { headers: fwd.headers }));
      }
    }
  }
});

/** One row per route guarded by who calls, for the checks below. */
const identityRoutes = [...new Map(TABLE.filter((r) => r.guard === "identity").map((r) => [r.route, r])).values()];

describe("authorisation comes before validation", () => {
  // The same route with every parameter, query and body wrong: whoever is refused is refused the same way,
  // so a caller without the right learns nothing about the input.
  for (const row of identityRoutes) {
    const refused = WHO.filter((w) => row.expect[w] === 401 || row.expect[w] === 403);
    if (!refused.length) continue;
    it(`${row.route} refuses ${refused.join(", ")} before reading the input`, async () => {
      const [method, pattern] = row.route.split(" ");
      const path = pattern.replace(/:\w+/g, "%00bad") + "?page=-1&groupBy=nope&limit=0&from=never&status=nope";
      for (const who of refused) {
        const req: Req = { path, body: method === "GET" || method === "DELETE" ? undefined : ["not", "an", "object"], fresh: row.request(f, who).fresh };
        const res = await send(method, req, await credentials(who, req.fresh));
        expect(res.status, `${who}: ${describeAnswer(method, req, res)}`).toBe(row.expect[who]);
      }
    });
  }
});

describe("a console session changes nothing without its CSRF token", () => {
  const changes = identityRoutes.filter((r) => !r.route.startsWith("GET ") && r.expect.admin !== 401 && r.expect.admin !== 403);
  for (const row of changes) {
    it(`${row.route} as admin without x-csrf-token → 403`, async () => {
      const { method, req, res } = await call(row, "admin", { csrf: false });
      expect(res.status, describeAnswer(method, req, res)).toBe(403);
    });
  }
});

describe("units act on the cases dispatched to them, and only as their role allows", () => {
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const act = (number: string, token: string, body: unknown) => send("POST", { path: `/api/cases/${number}/actions`, body }, as(token));
  const read = (number: string, token: string) => send("GET", { path: `/api/cases/${number}` }, as(token));

  it("a cooperating unit sees the case and adds notes, but takes no other step", async () => {
    expect((await read(f.caseA, coopToken)).status).toBe(200);
    expect((await act(f.caseA, coopToken, { action: "note", text: "配合单位已了解" })).status).toBe(200);
    for (const action of ["accept", "start"]) {
      const res = await act(f.caseA, coopToken, { action });
      expect(res.status, `${action}: ${res.text}`).toBe(403);
    }
    const steps = await svc.services.db.caseEvent.findMany({ where: { case: { number: f.caseA }, actorId: `token:${coopTokenId}`, type: { notIn: ["internal_note", "public_note"] } } });
    expect(steps).toEqual([]);
  });

  it("the lead unit may not take a worker's step", async () => {
    for (const action of ["reject", "close", "dispatch", "reassign", "merge", "withdraw", "confirm"]) {
      const res = await act(f.caseA, tokenOf.unitToken!, { action, text: "不是本单位的事", mergeInto: f.caseB });
      expect(res.status, `${action}: ${res.text}`).toBe(403);
    }
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number: f.caseA } })).status).toBe("dispatched");
  });

  it("a unit the case was not dispatched to hears 'not found', on every case route", async () => {
    const paths = [`/api/cases/${f.caseA}`, `/api/cases/${f.caseA}/duplicates`, `/api/cases/${f.caseA}/attachments/${f.photoA}`];
    for (const p of paths) {
      const res = await send("GET", { path: p }, as(policeToken));
      const missing = await send("GET", { path: p.replace(f.caseA, MISSING) }, as(policeToken));
      expect(res.status, p).toBe(404);
      expect(res.json, p).toEqual(missing.json);
    }
    expect((await act(f.caseA, policeToken, { action: "note", text: "x" })).status).toBe(404);
    const list = await send("GET", { path: "/api/cases?pageSize=100" }, as(policeToken));
    expect(list.json.cases.map((c: { number: string }) => c.number)).not.toContain(f.caseA);
  });

  it("lists: each caller sees the cases in scope, and the lead unit sees its dispatched case", async () => {
    const numbers = async (headers: Record<string, string>) => (await send("GET", { path: "/api/cases?pageSize=100" }, headers)).json.cases.map((c: { number: string }) => c.number);
    expect(await numbers(await credentials("gridWorker"))).toEqual(expect.arrayContaining([f.caseA, f.caseR]));
    expect(await numbers(await credentials("gridWorker"))).not.toContain(f.caseB);
    expect(await numbers(await credentials("otherGridWorker"))).toContain(f.caseB);
    expect(await numbers(await credentials("otherGridWorker"))).not.toContain(f.caseA);
    expect(await numbers(as(tokenOf.unitToken!))).toContain(f.caseA);
  });

  it(`${UNIT_SCOPE}: a case under review is not in its guessed unit's list, and is once a worker dispatches it`, async () => {
    expect((await send("GET", { path: "/api/cases?pageSize=100" }, as(tokenOf.unitToken!))).json.cases.map((c: { number: string }) => c.number)).not.toContain(f.caseR);
    const fresh = await openCase("sim-yangguang-1", `@小民 5号楼电梯${UNSURE}`, false);
    expect(fresh.status).toBe("needs_review");
    expect((await read(fresh.number, tokenOf.unitToken!)).status).toBe(404);
    const confirmed = await send("POST", { path: `/api/cases/${fresh.number}/actions`, body: { action: "confirm" } }, await credentials("gridWorker"));
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.json.status).toBe("dispatched");
    expect((await read(fresh.number, tokenOf.unitToken!)).status).toBe(200);
    expect((await act(fresh.number, tokenOf.unitToken!, { action: "accept" })).status).toBe(200);
  });
});

describe("merging checks both cases", () => {
  it("merge rule: a worker cannot merge into another grid's case, which reads as a missing one", async () => {
    const source = await openCase("sim-yangguang-1", "@小民 6号楼电梯门关不上", false);
    const worker = await credentials("gridWorker");
    const merge = (into: string) => send("POST", { path: `/api/cases/${source.number}/actions`, body: { action: "merge", mergeInto: into } }, worker);
    const elsewhere = await merge(f.caseB);
    const missing = await merge(MISSING);
    expect(elsewhere.status, elsewhere.text).toBe(404);
    expect(missing.status, missing.text).toBe(404);
    expect(elsewhere.json).toEqual(missing.json);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number: source.number } })).status).not.toBe("merged");
  });

  it("a worker cannot merge a case out of their grid into one in it", async () => {
    const res = await send("POST", { path: `/api/cases/${f.caseB}/actions`, body: { action: "merge", mergeInto: f.caseA } }, await credentials("gridWorker"));
    expect(res.status).toBe(404);
    expect((await svc.services.db.case.findUniqueOrThrow({ where: { number: f.caseB } })).status).toBe("dispatched");
  });
});
