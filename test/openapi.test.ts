// The OpenAPI description is served, generated from the routes' own schemas, and lists every public route.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type TestService } from "./helpers/service.ts";
import { httpChannelRoutes } from "../src/routes/httpChannel.ts";
import { caseRoutes } from "../src/routes/cases.ts";
import { kpiRoutes } from "../src/routes/kpis.ts";
import { authRoutes } from "../src/routes/auth.ts";
import { healthRoutes } from "../src/routes/health.ts";
import { referenceRoutes } from "../src/routes/reference.ts";
import { adminPromptRoutes } from "../src/routes/adminPrompts.ts";
import { adminOrgRoutes } from "../src/routes/adminOrg.ts";
import { adminListRoutes } from "../src/routes/adminList.ts";
import { adminReplyRoutes } from "../src/routes/adminReplies.ts";
import { adminChannelRoutes } from "../src/routes/adminChannels.ts";
import { adminVolunteerRoutes } from "../src/routes/adminVolunteers.ts";
import { wechatCallbackRoutes } from "../src/routes/wechatCallbacks.ts";
import { mediaRoutes } from "../src/routes/media.ts";
import { surveyRoutes } from "../src/routes/survey.ts";
import { adminPlaceRoutes, placeRoutes } from "../src/routes/adminPlaces.ts";
import { hotspotRoutes } from "../src/routes/hotspots.ts";
import { bookingRoutes } from "../src/routes/bookings.ts";
import { adminRoleRoutes } from "../src/routes/adminRoles.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc.close();
});

describe("OpenAPI", () => {
  it("is served and describes the HTTP channel's body from its zod schema", async () => {
    const res = await fetch(`${svc.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc: any = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    const schema = doc.paths["/api/channels/http/messages"].post.requestBody.content["application/json"].schema;
    expect(schema.required.sort()).toEqual(["chatId", "messageId", "senderId", "text"]);
    expect(schema.properties.text).toMatchObject({ type: "string", minLength: 1, maxLength: 5000 });
  });

  it("lists every route other systems can call", async () => {
    const doc: any = await (await fetch(`${svc.url}/api/openapi.json`)).json();
    const documented = new Set(Object.keys(doc.paths));
    const routers = [healthRoutes, httpChannelRoutes, caseRoutes, kpiRoutes, authRoutes, referenceRoutes, adminPromptRoutes, adminOrgRoutes, adminListRoutes, adminReplyRoutes, adminChannelRoutes, adminVolunteerRoutes, wechatCallbackRoutes, mediaRoutes, surveyRoutes, adminPlaceRoutes, placeRoutes, hotspotRoutes, bookingRoutes, adminRoleRoutes].map((r) => r(svc.services));
    const served = routers.flatMap((r) => r.stack.filter((l) => l.methods.length).map((l) => String(l.path).replace(/:(\w+)/g, "{$1}").replace(/\/$/, "")));
    for (const path of new Set(served)) expect(documented, path).toContain(path === "" ? "/" : path);
  });
});
