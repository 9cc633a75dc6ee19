// The embedded defaults (organisation, units, groups, the responsibility list, emergency rules, service places), applied to an
// empty database at start. Each part is applied only when its table is empty, so an administrator's data wins.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { CONTACT_CHANNELS } from "./channels/types.ts";
import type { Db } from "./db.ts";
import type { Logger } from "./log.ts";
import { AREA_LEVELS, type AreaLevel } from "./org/areas.ts";
import { parseMatterCsv } from "./responsibility/parse.ts";
import { applyMatterRows, recordBaseline } from "./responsibility/versions.ts";
import { seedVolunteers } from "./volunteers/seed.ts";
import { seedPlaces } from "./places/import.ts";
import { seedRoles } from "./org/roleSeed.ts";

export const SEED_DIR = path.resolve(import.meta.dirname, "../prisma/seed");

interface AreaNode {
  level: AreaLevel;
  name: string;
  children?: AreaNode[];
}
const areaNode: z.ZodType<AreaNode> = z.lazy(() =>
  z.object({
    level: z.enum(AREA_LEVELS),
    name: z.string().min(1),
    children: z.array(areaNode).optional(),
  }),
);
const contactSchema = z.object({
  kind: z.enum(["room", "contact", "member", "webhook", "phone"]),
  channel: z.enum(CONTACT_CHANNELS).optional(),
  address: z.string().min(1),
  name: z.string().optional(),
});
const orgSchema = z.object({
  areas: z.array(areaNode),
  units: z.array(
    z.object({
      name: z.string().min(1),
      kind: z.string(),
      area: z.string().optional(),
      contacts: z.array(contactSchema),
    }),
  ),
  areaContacts: z.array(contactSchema.extend({ area: z.string() })).default([]),
  groups: z.array(z.object({ channel: z.string(), chatId: z.string(), name: z.string(), grid: z.string().optional() })),
});

const splitWords = (v: string) => v.split(/[、,，]/).map((s) => s.trim()).filter(Boolean);

export async function seedDefaults(db: Db, log: Logger, dir = SEED_DIR): Promise<void> {
  if ((await db.area.count()) === 0) {
    const org = orgSchema.parse(JSON.parse(await readFile(path.join(dir, "org.json"), "utf8")));
    const areaIds = new Map<string, number>();
    const addArea = async (node: AreaNode, parentId: number | null) => {
      const area = await db.area.create({ data: { level: node.level, name: node.name, parentId } });
      if (!areaIds.has(node.name)) areaIds.set(node.name, area.id);
      for (const child of node.children ?? []) await addArea(child, area.id);
    };
    for (const root of org.areas) await addArea(root, null);
    for (const u of org.units) {
      await db.unit.upsert({
        where: { name: u.name },
        update: {},
        create: { name: u.name, kind: u.kind, areaId: u.area ? areaIds.get(u.area) : undefined, contacts: { create: u.contacts } },
      });
    }
    for (const { area, ...contact } of org.areaContacts) {
      const areaId = areaIds.get(area);
      if (areaId) await db.areaContact.create({ data: { ...contact, areaId } });
    }
    for (const g of org.groups) {
      await db.chatGroup.create({ data: { channel: g.channel, chatId: g.chatId, name: g.name, gridId: g.grid ? areaIds.get(g.grid) : undefined } });
    }
    log.info({ areas: areaIds.size, units: org.units.length, groups: org.groups.length }, "seeded organisation");
  }

  // After the organisation (fillers name its areas and units), before the list (which names the roles).
  await seedRoles(db, log, dir);
  if ((await db.matter.count()) === 0) {
    const rows = parseMatterCsv(await readFile(path.join(dir, "matters.csv")));
    const { added } = await applyMatterRows(db, rows, { author: { id: null, name: "系统" }, reason: "默认职责清单", source: "seed" });
    log.info({ matters: added }, "seeded responsibility list");
  } else if (await recordBaseline(db, { id: null, name: "系统" }, "版本记录启用前的清单")) {
    log.info("recorded the existing responsibility list as its first version");
  }
  // After the organisation and the list: volunteers have grids, households buildings (志愿者可认领 is the list's column).
  await seedVolunteers(db, log, dir);

  if ((await db.emergencyRule.count()) === 0) {
    const records: Record<string, string>[] = parse(await readFile(path.join(dir, "emergency-rules.csv")), { columns: true, bom: true, trim: true });
    for (const r of records) {
      await db.emergencyRule.create({
        data: { code: r.code, name: r.name, keywords: splitWords(r.keywords), excludes: splitWords(r.excludes ?? ""), hotline: r.hotline, advice: r.advice },
      });
    }
    log.info({ rules: records.length }, "seeded emergency rules");
  }

  // After the organisation: places name the areas they serve.
  if ((await db.servicePlace.count()) === 0) {
    const places = await seedPlaces(db, JSON.parse(await readFile(path.join(dir, "places.json"), "utf8")));
    log.info({ places }, "seeded service places");
  }
}
