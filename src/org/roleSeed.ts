// The default roles of the territorial list and who fills them in the demo areas (prisma/seed/roles.json), applied
// when there are no roles yet: after the organisation (fillers name its areas and units), before the list (whose
// 主责单位 and 配合单位 cells name these roles).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";

const rolesFile = z.object({
  roles: z.array(z.object({ code: z.string().min(2), name: z.string().min(2), description: z.string().default("") })),
  /** By names: the area (the first of that name, as the organisation's seed does) and the unit. */
  fillers: z.array(z.object({ role: z.string(), area: z.string(), unit: z.string() })).default([]),
});

export async function seedRoles(db: Db, log: Logger, dir: string): Promise<void> {
  if (await db.role.count()) return;
  const file = rolesFile.parse(JSON.parse(await readFile(path.join(dir, "roles.json"), "utf8")));
  const unitNames = new Set((await db.unit.findMany({ where: { name: { in: file.roles.map((r) => r.name) } }, select: { name: true } })).map((u) => u.name));
  // A unit already called like a role keeps its name; the role is left out (the list reads names as roles first).
  const roles = file.roles.filter((r) => !unitNames.has(r.name));
  for (const r of roles) await db.role.create({ data: r });
  let fillers = 0;
  for (const f of file.fillers) {
    const [role, area, unit] = await Promise.all([
      db.role.findUnique({ where: { name: f.role } }),
      db.area.findFirst({ where: { name: f.area }, orderBy: { id: "asc" } }),
      db.unit.findUnique({ where: { name: f.unit } }),
    ]);
    if (!role || !area || !unit) continue; // an administrator's organisation without the demo's areas or units
    await db.areaRoleUnit.create({ data: { roleId: role.id, areaId: area.id, unitId: unit.id } });
    fillers++;
  }
  log.info({ roles: roles.length, fillers }, "seeded roles of the territorial list");
}
