// Writes parsed responsibility-list rows into the database: units by name, matters by code (or by name).
import { createHash } from "node:crypto";
import type { Db } from "../db.ts";
import type { MatterRow } from "./parse.ts";

export const DEFAULT_RESPONSE_HOURS = 24;
export const DEFAULT_RESOLVE_DAYS = 5;

function unitKind(name: string): string {
  if (/物业/.test(name)) return "property";
  if (/居委会|居民委员会|村委会/.test(name)) return "committee";
  if (/街道办|街道办事处|^.*街道$/.test(name)) return "street_office";
  if (/供电|供水|自来水|燃气|水务|电力/.test(name)) return "utility";
  return "department";
}

/** A stable code for a matter imported without one (its category too, where names repeat: 其他 under many). */
export function codeForName(name: string, category = ""): string {
  return "M-" + createHash("sha1").update(category ? `${category}/${name}` : name).digest("hex").slice(0, 6).toUpperCase();
}

export async function applyMatterRows(db: Db, rows: MatterRow[]): Promise<{ added: number; updated: number }> {
  let added = 0;
  let updated = 0;
  await db.$transaction(async (tx) => {
    const unitIds = new Map<string, number>();
    const unitId = async (name: string) => {
      let id = unitIds.get(name);
      if (id === undefined) {
        id = (await tx.unit.upsert({ where: { name }, create: { name, kind: unitKind(name) }, update: {} })).id;
        unitIds.set(name, id);
      }
      return id;
    };

    for (const row of rows) {
      const existing =
        (row.code && (await tx.matter.findUnique({ where: { code: row.code } }))) ||
        (await tx.matter.findFirst({ where: { name: row.name, category: row.category } }));
      const code = row.code ?? existing?.code ?? codeForName(row.name, row.category);
      const data = {
        code,
        name: row.name,
        category: row.category,
        description: row.description,
        keywords: row.keywords,
        examples: row.examples,
        leadUnitId: row.leadUnit ? await unitId(row.leadUnit) : null,
        responseHours: row.responseHours ?? existing?.responseHours ?? DEFAULT_RESPONSE_HOURS,
        resolveDays: row.resolveDays ?? existing?.resolveDays ?? DEFAULT_RESOLVE_DAYS,
        needsLocation: row.needsLocation ?? existing?.needsLocation ?? true,
        active: true,
      };
      const matter = existing
        ? await tx.matter.update({ where: { id: existing.id }, data })
        : await tx.matter.create({ data });
      if (existing) updated++;
      else added++;

      await tx.matterCooperatingUnit.deleteMany({ where: { matterId: matter.id } });
      const coop = [...new Set(row.cooperatingUnits.filter((u) => u !== row.leadUnit))];
      for (const name of coop) {
        await tx.matterCooperatingUnit.create({ data: { matterId: matter.id, unitId: await unitId(name) } });
      }
    }
  });
  return { added, updated };
}
