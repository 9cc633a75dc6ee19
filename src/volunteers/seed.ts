// The demo's volunteers and 党员中心户 (prisma/seed/volunteers.json), applied when both registers are empty and the
// grids they name exist (the seeded organisation): an administrator's data wins. Which matters volunteers may claim
// is the list's own column (志愿者可认领 in prisma/seed/matters.csv).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import { HELPER_CHANNELS } from "./registers.ts";

const seedSchema = z.object({
  volunteers: z.array(
    z.object({
      name: z.string().min(1),
      phone: z.string().default(""),
      sharePhone: z.boolean().default(false),
      grid: z.string(),
      channel: z.enum(HELPER_CHANNELS).optional(),
      address: z.string().optional(),
      kind: z.enum(["volunteer", "partner"]).default("volunteer"),
      skills: z.array(z.string()).default([]),
      availability: z.string().default(""),
      partyMember: z.boolean().default(false),
    }),
  ),
  households: z.array(
    z.object({
      name: z.string().min(1),
      phone: z.string().default(""),
      channel: z.enum(HELPER_CHANNELS).optional(),
      address: z.string().optional(),
      families: z.number().int().min(0).default(0),
      note: z.string().default(""),
      buildings: z.array(z.object({ grid: z.string(), building: z.string() })),
    }),
  ),
});

export async function seedVolunteers(db: Db, log: Logger, dir: string): Promise<void> {
  if ((await db.volunteer.count()) > 0 || (await db.partyHousehold.count()) > 0) return;
  const seed = seedSchema.parse(JSON.parse(await readFile(path.join(dir, "volunteers.json"), "utf8")));
  const grid = async (name: string) => db.area.findFirst({ where: { level: "grid", name } });
  let volunteers = 0;
  for (const { grid: gridName, ...v } of seed.volunteers) {
    const g = await grid(gridName);
    if (!g) continue;
    await db.volunteer.create({ data: { ...v, gridId: g.id } });
    volunteers++;
  }
  if (!volunteers) return;
  for (const { buildings, ...h } of seed.households) {
    const ids: number[] = [];
    for (const b of buildings) {
      const g = await grid(b.grid);
      const building = g ? await db.area.findFirst({ where: { level: "building", name: b.building, parentId: g.id } }) : null;
      if (building) ids.push(building.id);
    }
    await db.partyHousehold.create({ data: { ...h, buildings: { create: ids.map((buildingId) => ({ buildingId })) } } });
  }
  log.info({ volunteers, households: seed.households.length }, "seeded volunteers and party-member households");
}
