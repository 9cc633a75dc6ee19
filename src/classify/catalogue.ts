// The responsibility list as the classifiers see it: active matters with their units, in a stable order.
import type { Db, Prisma } from "../db.ts";

export interface UnitRef {
  id: number;
  name: string;
}
/** A role of the territorial list (属地), filled per area: org/roles.ts. */
export interface RoleRef {
  id: number;
  code: string;
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
  /** A fixed lead unit, or a role (one of the two; neither until someone names one). */
  leadUnit: UnitRef | null;
  leadRole: RoleRef | null;
  cooperatingUnits: UnitRef[];
  cooperatingRoles: RoleRef[];
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
      include: MATTER_UNITS,
      orderBy: { code: "asc" },
    });
    return new Catalogue(rows.map(matterInfo));
  }
}

/** What a matter row is read with: its units and roles, lead and cooperating. */
export const MATTER_UNITS = {
  leadUnit: true,
  leadRole: true,
  // In a stable order on both engines.
  cooperatingUnits: { include: { unit: true }, orderBy: { unitId: "asc" } },
  cooperatingRoles: { include: { role: true }, orderBy: { roleId: "asc" } },
} as const;
type MatterRow = Prisma.MatterGetPayload<{ include: typeof MATTER_UNITS }>;
const roleRef = (r: { id: number; code: string; name: string }): RoleRef => ({ id: r.id, code: r.code, name: r.name });

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
    leadRole: m.leadRole ? roleRef(m.leadRole) : null,
    cooperatingUnits: m.cooperatingUnits.map((c) => ({ id: c.unit.id, name: c.unit.name })),
    cooperatingRoles: m.cooperatingRoles.map((c) => roleRef(c.role)),
    responseHours: m.responseHours,
    resolveDays: m.resolveDays,
  };
}
