// The responsibility list as the classifiers see it: active matters with their units, in a stable order.
import type { Db, Prisma } from "../db.ts";

export interface UnitRef {
  id: number;
  name: string;
}

export interface MatterInfo {
  id: number;
  code: string;
  name: string;
  category: string;
  description: string;
  keywords: string[];
  examples: string[];
  needsLocation: boolean;
  leadUnit: UnitRef | null;
  cooperatingUnits: UnitRef[];
  responseHours: number;
  resolveDays: number;
}

export class Catalogue {
  readonly byCode: Map<string, MatterInfo>;
  constructor(readonly matters: MatterInfo[]) {
    this.byCode = new Map(matters.map((m) => [m.code, m]));
  }

  static async load(db: Db): Promise<Catalogue> {
    const rows = await db.matter.findMany({
      where: { active: true },
      include: { leadUnit: true, cooperatingUnits: { include: { unit: true } } },
      orderBy: { code: "asc" },
    });
    return new Catalogue(rows.map(matterInfo));
  }
}

type MatterRow = Prisma.MatterGetPayload<{ include: { leadUnit: true; cooperatingUnits: { include: { unit: true } } } }>;

/** A matter row with its units, as the classifiers and the console read it. */
export function matterInfo(m: MatterRow): MatterInfo {
  return {
    id: m.id,
    code: m.code,
    name: m.name,
    category: m.category,
    description: m.description,
    keywords: m.keywords as string[],
    examples: m.examples as string[],
    needsLocation: m.needsLocation,
    leadUnit: m.leadUnit ? { id: m.leadUnit.id, name: m.leadUnit.name } : null,
    cooperatingUnits: m.cooperatingUnits.map((c) => ({ id: c.unit.id, name: c.unit.name })),
    responseHours: m.responseHours,
    resolveDays: m.resolveDays,
  };
}
