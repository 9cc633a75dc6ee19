// Administrators keep the organisation as data: the area hierarchy (街道 → 社区 → 网格 → 楼栋) and who answers
// for each area, the units and how they are reached, which chat groups the bot serves and in which grid, and the
// run-time settings. Every change takes effect on the next message (groups, contacts and areas are read per
// message; settings within seconds). Admin sessions only; every change is logged with who.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { AppError, NotFoundError, ValidationError } from "../errors.ts";
import { isUniqueViolation } from "../db.ts";
import { addContact, removeContact } from "../org/contacts.ts";
import { DEFAULT_SETTINGS, SETTING_LABELS, settingsSchema, type Settings } from "../settings.ts";
import { CHANNEL_NAMES, CONTACT_CHANNELS } from "../channels/types.ts";

const LEVELS = ["street", "community", "grid", "building"] as const;
const PARENT_LEVEL = { street: null, community: "street", grid: "community", building: "grid" } as const;
const idParam = z.object({ id: z.coerce.number().int().positive() });
const name = z.string().trim().min(1, "名称不能为空").max(60);

export const areaSchema = z.object({ level: z.enum(LEVELS), name, parentId: z.number().int().positive().nullable().default(null) });
export const areaUpdateSchema = z.object({ name: name.optional(), parentId: z.number().int().positive().nullable().optional() });
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
  areaId: z.number().int().positive().nullable().default(null),
});
export const groupSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  chatId: z.string().trim().min(1).max(200),
  name,
  gridId: z.number().int().positive().nullable(),
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
  gridId: z.number().int().positive().nullable().optional(),
  enabled: z.boolean().optional(),
  mentionRequired: z.boolean().optional(),
});

export function adminOrgRoutes(services: Services): Router {
  const { db, log } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(db, ["admin"], services.clock));
  const by = (ctx: { state: { user: SessionUser } }) => ctx.state.user.id;

  /** The parent must exist and sit one level up; a street has none. */
  async function checkParent(level: (typeof LEVELS)[number], parentId: number | null) {
    const want = PARENT_LEVEL[level];
    if (!want) {
      if (parentId) throw ValidationError("街道没有上级区域", { field: "parentId" });
      return;
    }
    const parent = parentId ? await db.area.findUnique({ where: { id: parentId } }) : null;
    if (!parent || parent.level !== want) throw ValidationError(`请选择上级${LEVEL_LABELS[want]}`, { field: "parentId" });
  }
  const unique = async <T>(fn: () => Promise<T>, message: string) => {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("conflict", 409, message);
      throw err;
    }
  };

  // ---- everything at once, for the page ----
  router.get("/org", async (ctx) => {
    const [areas, units, groups] = await Promise.all([
      db.area.findMany({ orderBy: [{ id: "asc" }], include: { contacts: { orderBy: { id: "asc" } } } }),
      db.unit.findMany({ orderBy: { name: "asc" }, include: { contacts: { orderBy: { id: "asc" } }, _count: { select: { ledMatters: true } } } }),
      db.chatGroup.findMany({ orderBy: { id: "asc" } }),
    ]);
    ctx.body = {
      levels: LEVEL_LABELS,
      areas: areas.map((a) => ({ id: a.id, level: a.level, name: a.name, parentId: a.parentId, contacts: a.contacts.map(contactOut) })),
      units: units.map((u) => ({ id: u.id, name: u.name, kind: u.kind, areaId: u.areaId, matters: u._count.ledMatters, contacts: u.contacts.map(contactOut) })),
      groups: groups.map((g) => ({ id: g.id, channel: g.channel, chatId: g.chatId, name: g.name, gridId: g.gridId, enabled: g.enabled, mentionRequired: g.mentionRequired })),
    };
  });

  /** Group chats the running bot is in, marked when already served. */
  router.get("/groups/joined", async (ctx) => {
    const served = new Set((await db.chatGroup.findMany({ select: { channel: true, chatId: true } })).map((g) => `${g.channel}:${g.chatId}`));
    const joined: { channel: string; chatId: string; name: string; served: boolean }[] = [];
    for (const channel of services.channels.values()) {
      if (!channel.groups) continue;
      for (const g of await channel.groups().catch((err) => (log.warn({ err: (err as Error).message, channel: channel.name }, "could not list groups"), []))) {
        joined.push({ channel: channel.name, ...g, served: served.has(`${channel.name}:${g.chatId}`) });
      }
    }
    ctx.body = { joined };
  });

  // ---- areas ----
  router.post("/areas", async (ctx) => {
    const body = parseInput(areaSchema, ctx.request.body);
    await checkParent(body.level, body.parentId);
    const area = await unique(() => db.area.create({ data: body }), `同一上级下已有“${body.name}”`);
    log.info({ by: by(ctx), areaId: area.id, level: area.level }, "area created");
    ctx.status = 201;
    ctx.body = { id: area.id };
  });

  router.patch("/areas/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(areaUpdateSchema, ctx.request.body);
    const area = await db.area.findUnique({ where: { id } });
    if (!area) throw NotFoundError("区域不存在");
    if (body.parentId !== undefined) await checkParent(area.level as (typeof LEVELS)[number], body.parentId);
    await unique(() => db.area.update({ where: { id }, data: body }), `同一上级下已有“${body.name}”`);
    log.info({ by: by(ctx), areaId: id }, "area changed");
    ctx.body = { id };
  });

  router.delete("/areas/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const area = await db.area.findUnique({ where: { id }, include: { _count: { select: { children: true, groups: true, units: true, casesInGrid: true, casesInBuilding: true } } } });
    if (!area) throw NotFoundError("区域不存在");
    const c = area._count;
    if (c.children || c.groups || c.units || c.casesInGrid || c.casesInBuilding) {
      throw new AppError("in_use", 409, `“${area.name}”仍有${[c.children && "下级区域", c.groups && "群", c.units && "单位", (c.casesInGrid || c.casesInBuilding) && "工单"].filter(Boolean).join("、")}，不能删除`);
    }
    await db.area.delete({ where: { id } });
    log.info({ by: by(ctx), areaId: id }, "area deleted");
    ctx.status = 204;
  });

  // ---- units ----
  router.post("/units", async (ctx) => {
    const body = parseInput(unitSchema, ctx.request.body);
    const unit = await unique(() => db.unit.create({ data: body }), `已有单位“${body.name}”`);
    log.info({ by: by(ctx), unitId: unit.id }, "unit created");
    ctx.status = 201;
    ctx.body = { id: unit.id };
  });

  router.patch("/units/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(unitSchema.partial(), ctx.request.body);
    if (!(await db.unit.findUnique({ where: { id } }))) throw NotFoundError("单位不存在");
    await unique(() => db.unit.update({ where: { id }, data: body }), `已有单位“${body.name}”`);
    await services.reference.reload(); // the list shows lead units by name
    log.info({ by: by(ctx), unitId: id }, "unit changed");
    ctx.body = { id };
  });

  // ---- contacts: one way for areas and units alike ----
  for (const owner of ["area", "unit"] as const) {
    router.post(`/${owner}s/:id/contacts`, async (ctx) => {
      const { id } = parseInput(idParam, ctx.params);
      const body = parseInput(contactSchema, ctx.request.body);
      const contact = await addContact(db, owner, id, body);
      log.info({ by: by(ctx), [`${owner}Id`]: id, contactId: contact.id, kind: body.kind }, `${owner} contact added`);
      ctx.status = 201;
      ctx.body = { id: contact.id };
    });
    router.delete(`/${owner}-contacts/:id`, async (ctx) => {
      const { id } = parseInput(idParam, ctx.params);
      await removeContact(db, owner, id);
      log.info({ by: by(ctx), contactId: id }, `${owner} contact removed`);
      ctx.status = 204;
    });
  }

  // ---- chat groups ----
  async function checkGrid(gridId: number | null | undefined) {
    if (!gridId) return;
    const grid = await db.area.findUnique({ where: { id: gridId } });
    if (grid?.level !== "grid") throw ValidationError("请选择一个网格", { field: "gridId" });
  }

  router.post("/groups", async (ctx) => {
    const body = parseInput(groupSchema, ctx.request.body);
    await checkGrid(body.gridId);
    const group = await unique(() => db.chatGroup.create({ data: body }), "这个群已在服务名单中");
    log.info({ by: by(ctx), groupId: group.id, channel: group.channel }, "group served");
    ctx.status = 201;
    ctx.body = { id: group.id };
  });

  router.patch("/groups/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(groupUpdateSchema, ctx.request.body);
    await checkGrid(body.gridId);
    if (!(await db.chatGroup.findUnique({ where: { id } }))) throw NotFoundError("群不存在");
    await db.chatGroup.update({ where: { id }, data: body });
    log.info({ by: by(ctx), groupId: id, gridId: body.gridId, enabled: body.enabled, mentionRequired: body.mentionRequired }, "group changed");
    ctx.body = { id };
  });

  router.delete("/groups/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const { count } = await db.chatGroup.deleteMany({ where: { id } });
    if (!count) throw NotFoundError("群不存在");
    log.info({ by: by(ctx), groupId: id }, "group no longer served");
    ctx.status = 204;
  });

  // ---- emergency rules: answered at once with the hotline, before anything slow ----
  router.get("/emergency-rules", async (ctx) => {
    const rules = await db.emergencyRule.findMany({ orderBy: { id: "asc" } });
    ctx.body = { rules: rules.map((r) => ({ code: r.code, name: r.name, keywords: r.keywords, excludes: r.excludes, hotline: r.hotline, advice: r.advice, active: r.active, updatedAt: r.updatedAt })) };
  });

  router.post("/emergency-rules", async (ctx) => {
    const body = parseInput(emergencyRuleSchema, ctx.request.body);
    await unique(() => db.emergencyRule.create({ data: body }), `已有编码为 ${body.code} 的规则`);
    await services.reference.reload();
    log.info({ by: by(ctx), rule: body.code }, "emergency rule added");
    ctx.status = 201;
    ctx.body = { code: body.code };
  });

  router.put("/emergency-rules/:code", async (ctx) => {
    const code = String(ctx.params.code);
    const body = parseInput(emergencyRuleUpdateSchema, ctx.request.body);
    const { count } = await db.emergencyRule.updateMany({ where: { code }, data: { ...body, updatedAt: services.clock() } });
    if (!count) throw NotFoundError("紧急规则不存在");
    await services.reference.reload();
    log.info({ by: by(ctx), rule: code, active: body.active }, "emergency rule changed");
    ctx.body = { code };
  });

  // ---- settings ----
  router.get("/settings", async (ctx) => {
    ctx.body = { values: await services.settings.current(), defaults: { ...DEFAULT_SETTINGS, triggerPrefixes: services.config.TRIGGER_PREFIXES }, labels: SETTING_LABELS };
  });

  /** Changes some settings; each value is checked on its own and every problem is named. */
  router.patch("/settings", async (ctx) => {
    const body = parseInput(z.record(z.string(), z.unknown()), ctx.request.body);
    const shape = settingsSchema.shape as Record<string, z.ZodType>;
    const problems: string[] = [];
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      // Own keys only: "constructor" or "__proto__" are not settings.
      const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (!field) problems.push(`没有设置项 ${key}`);
      else {
        const parsed = field.safeParse(value);
        if (parsed.success) changes[key] = parsed.data;
        else problems.push(`${SETTING_LABELS[key as keyof Settings].label}：${parsed.error.issues[0].message}`);
      }
    }
    if (problems.length) throw ValidationError(problems.join("；"));
    const w = changes.kpiWeights as Settings["kpiWeights"] | undefined;
    if (w && Math.abs(w.response + w.resolution + w.satisfaction - 1) > 1e-6) throw ValidationError("综合得分的三个权重之和应为 1");
    const values = await services.settings.update(changes as Partial<Settings>);
    log.info({ by: by(ctx), keys: Object.keys(changes) }, "settings changed");
    ctx.body = { values };
  });

  return router;
}

const LEVEL_LABELS = { street: "街道", community: "社区", grid: "网格", building: "楼栋" } as const;
const contactOut = (c: { id: number; kind: string; channel: string | null; address: string; name: string | null }) => ({ id: c.id, kind: c.kind, channel: c.channel, address: c.address, name: c.name });
