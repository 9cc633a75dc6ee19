// Administrators keep the organisation as data: the area hierarchy (市 → 区 → 街道 → 社区 → 网格 → 楼栋) and who
// answers for each area, the units and how they are reached, which chat groups the bot serves and in which grid, and
// the run-time settings. Every change takes effect on the next message (groups, contacts and areas are read per
// message; settings within seconds). Admin sessions only; every change is logged with who. An administrator of a
// district or a street keeps only theirs (org/scope.ts); emergency rules and settings are the city's.
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { AREA_LEVELS, LEVEL_LABELS, changeArea, createArea, deleteArea } from "../org/areas.ts";
import { addContact, removeContact } from "../org/contacts.ts";
import { changeGroup, joinedGroups, serveGroup, stopServingGroup } from "../org/groups.ts";
import { readOrganisation } from "../org/overview.ts";
import { changeUnit, createUnit } from "../org/units.ts";
import { refuseAreaAdmin, type Scope } from "../org/scope.ts";
import { addEmergencyRule, changeEmergencyRule, listEmergencyRules } from "../reference.ts";
import { DEFAULT_SETTINGS, SETTING_LABELS, checkSettingChanges } from "../settings.ts";
import { CHANNEL_NAMES, CONTACT_CHANNELS } from "../channels/types.ts";
import { rowId, rowIdValue } from "../http/ids.ts";

export const idParam = z.object({ id: rowId });
const name = z.string().trim().min(1, "名称不能为空").max(60);

export const areaSchema = z.object({ level: z.enum(AREA_LEVELS), name, parentId: rowIdValue.nullable().default(null) });
export const areaUpdateSchema = z.object({ name: name.optional(), parentId: rowIdValue.nullable().optional() });
export const contactSchema = z
  .object({
    kind: z.enum(["room", "contact", "member", "webhook", "phone"]),
    channel: z.enum(CONTACT_CHANNELS).optional(),
    address: z.string().trim().min(1, "请填写地址").max(500),
    name: z.string().trim().max(60).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.kind === "room" || c.kind === "contact" || c.kind === "member") && !c.channel) ctx.addIssue({ code: "custom", path: ["channel"], message: "群、联系人或办事人员需要选择渠道" });
    if (c.kind === "webhook" && !/^https?:\/\//.test(c.address)) ctx.addIssue({ code: "custom", path: ["address"], message: "Webhook 地址应以 http:// 或 https:// 开头" });
  });
export const unitSchema = z.object({
  name,
  kind: z.enum(["department", "property", "committee", "street_office", "utility", "other"]).default("department"),
  areaId: rowIdValue.nullable().default(null),
});
export const groupSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  chatId: z.string().trim().min(1).max(200),
  name,
  gridId: rowIdValue.nullable(),
  enabled: z.boolean().default(true),
  /** false: every message in the group is for the bot, without an @mention or a prefix. */
  mentionRequired: z.boolean().default(true),
});
const words = z.array(z.string().trim().min(1).max(20)).max(50);
export const emergencyRuleSchema = z.object({
  code: z.string().trim().regex(/^[a-z0-9_-]{2,30}$/, "编码为 2–30 位小写字母、数字、_ 或 -"),
  name: z.string().trim().min(1, "请填写名称").max(30),
  keywords: words.min(1, "至少需要一个关键词"),
  excludes: words.default([]),
  hotline: z.string().trim().regex(/^[0-9-]{3,20}$/, "请填写电话号码，如 119"),
  advice: z.string().trim().min(1, "请填写给居民的安全提示").max(300),
  active: z.boolean().default(true),
});
export const emergencyRuleUpdateSchema = emergencyRuleSchema.omit({ code: true }).partial();
export const groupUpdateSchema = z.object({
  name: name.optional(),
  gridId: rowIdValue.nullable().optional(),
  enabled: z.boolean().optional(),
  mentionRequired: z.boolean().optional(),
});

export function adminOrgRoutes(services: Services): Router {
  const { db, log, reference } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock, { areaAdmins: true }));
  const by = (ctx: { state: { user: SessionUser } }) => ctx.state.user.id;
  const scopeOf = (ctx: { state: { scope?: Scope | null } }) => ctx.state.scope ?? null;
  /** What only the city's administrators keep. */
  const cityWide: Koa.Middleware = async (ctx, next) => {
    refuseAreaAdmin(scopeOf(ctx));
    await next();
  };

  // ---- everything at once, for the page: a district's or a street's administrator sees theirs ----
  router.get("/org", async (ctx) => {
    const scope = scopeOf(ctx);
    const { areas, units, groups } = await readOrganisation(db, scope);
    ctx.body = {
      levels: LEVEL_LABELS,
      /** The district or street the administrator keeps (their own area's name and level are kept by the level above); null: the city. */
      scope: scope?.area ? { areaId: scope.area.id, name: scope.area.name, level: scope.area.level } : null,
      areas: areas.map((a) => ({ id: a.id, level: a.level, name: a.name, parentId: a.parentId, contacts: a.contacts.map(contactOut) })),
      units: units.map((u) => ({ id: u.id, name: u.name, kind: u.kind, areaId: u.areaId, matters: u._count.ledMatters, contacts: u.contacts.map(contactOut) })),
      groups: groups.map((g) => ({ id: g.id, channel: g.channel, chatId: g.chatId, name: g.name, gridId: g.gridId, enabled: g.enabled, mentionRequired: g.mentionRequired })),
    };
  });

  /** Group chats the running bot is in, marked when already served. */
  router.get("/groups/joined", async (ctx) => {
    ctx.body = { joined: await joinedGroups({ db, log }, services.channels.values(), scopeOf(ctx)) };
  });

  // ---- areas ----
  router.post("/areas", async (ctx) => {
    const body = parseInput(areaSchema, ctx.request.body);
    const area = await createArea(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), areaId: area.id, level: area.level }, "area created");
    ctx.status = 201;
    ctx.body = { id: area.id };
  });

  router.patch("/areas/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(areaUpdateSchema, ctx.request.body);
    await changeArea(db, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), areaId: id }, "area changed");
    ctx.body = { id };
  });

  router.delete("/areas/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    await deleteArea(db, id, scopeOf(ctx));
    log.info({ by: by(ctx), areaId: id }, "area deleted");
    ctx.status = 204;
  });

  // ---- units ----
  router.post("/units", async (ctx) => {
    const body = parseInput(unitSchema, ctx.request.body);
    const unit = await createUnit(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), unitId: unit.id }, "unit created");
    ctx.status = 201;
    ctx.body = { id: unit.id };
  });

  router.patch("/units/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(unitSchema.partial(), ctx.request.body);
    await changeUnit({ db, reference }, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), unitId: id }, "unit changed");
    ctx.body = { id };
  });

  // ---- contacts: one way for areas and units alike ----
  for (const owner of ["area", "unit"] as const) {
    router.post(`/${owner}s/:id/contacts`, async (ctx) => {
      const { id } = parseInput(idParam, ctx.params);
      const body = parseInput(contactSchema, ctx.request.body);
      const contact = await addContact(db, owner, id, body, scopeOf(ctx));
      log.info({ by: by(ctx), [`${owner}Id`]: id, contactId: contact.id, kind: body.kind }, `${owner} contact added`);
      ctx.status = 201;
      ctx.body = { id: contact.id };
    });
    router.delete(`/${owner}-contacts/:id`, async (ctx) => {
      const { id } = parseInput(idParam, ctx.params);
      await removeContact(db, owner, id, scopeOf(ctx));
      log.info({ by: by(ctx), contactId: id }, `${owner} contact removed`);
      ctx.status = 204;
    });
  }

  // ---- chat groups ----
  router.post("/groups", async (ctx) => {
    const body = parseInput(groupSchema, ctx.request.body);
    const group = await serveGroup(db, body, scopeOf(ctx));
    log.info({ by: by(ctx), groupId: group.id, channel: group.channel }, "group served");
    ctx.status = 201;
    ctx.body = { id: group.id };
  });

  router.patch("/groups/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(groupUpdateSchema, ctx.request.body);
    await changeGroup(db, id, body, scopeOf(ctx));
    log.info({ by: by(ctx), groupId: id, gridId: body.gridId, enabled: body.enabled, mentionRequired: body.mentionRequired }, "group changed");
    ctx.body = { id };
  });

  router.delete("/groups/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    await stopServingGroup(db, id, scopeOf(ctx));
    log.info({ by: by(ctx), groupId: id }, "group no longer served");
    ctx.status = 204;
  });

  // ---- emergency rules: answered at once with the hotline, before anything slow (the city's) ----
  router.get("/emergency-rules", cityWide, async (ctx) => {
    const rules = await listEmergencyRules(db);
    ctx.body = { rules: rules.map((r) => ({ code: r.code, name: r.name, keywords: r.keywords, excludes: r.excludes, hotline: r.hotline, advice: r.advice, active: r.active, updatedAt: r.updatedAt })) };
  });

  router.post("/emergency-rules", cityWide, async (ctx) => {
    const body = parseInput(emergencyRuleSchema, ctx.request.body);
    await addEmergencyRule({ db, reference }, body);
    log.info({ by: by(ctx), rule: body.code }, "emergency rule added");
    ctx.status = 201;
    ctx.body = { code: body.code };
  });

  router.put("/emergency-rules/:code", cityWide, async (ctx) => {
    const code = String(ctx.params.code);
    const body = parseInput(emergencyRuleUpdateSchema, ctx.request.body);
    await changeEmergencyRule({ db, reference }, code, body, services.clock());
    log.info({ by: by(ctx), rule: code, active: body.active }, "emergency rule changed");
    ctx.body = { code };
  });

  // ---- settings (the city's) ----
  router.get("/settings", cityWide, async (ctx) => {
    ctx.body = { values: await services.settings.current(), defaults: { ...DEFAULT_SETTINGS, triggerPrefixes: services.config.TRIGGER_PREFIXES }, labels: SETTING_LABELS };
  });

  /** Changes some settings; each value is checked on its own and every problem is named. */
  router.patch("/settings", cityWide, async (ctx) => {
    const changes = checkSettingChanges(parseInput(z.record(z.string(), z.unknown()), ctx.request.body));
    const values = await services.settings.update(changes);
    log.info({ by: by(ctx), keys: Object.keys(changes) }, "settings changed");
    ctx.body = { values };
  });

  return router;
}

const contactOut = (c: { id: number; kind: string; channel: string | null; address: string; name: string | null }) => ({ id: c.id, kind: c.kind, channel: c.channel, address: c.address, name: c.name });
