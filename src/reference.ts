// Reference data read on every message (the responsibility list, emergency rules), cached and reloaded on change.
import type { Db } from "./db.ts";
import { Catalogue } from "./classify/catalogue.ts";
import type { EmergencyRuleData } from "./intake/recognise.ts";

/** How often to ask the database whether another process (the console, the import command) changed the list. */
const CHECK_MS = 10_000;

export class ReferenceData {
  catalogue = new Catalogue([]);
  emergencyRules: EmergencyRuleData[] = [];
  /** The responsibility list's version (ListVersion.id) this catalogue was loaded from; null before any. */
  listVersionId: number | null = null;
  private checkedAt = 0;
  /** How many emergency rules there were and when one last changed, as loaded. */
  private rulesStamp = "";

  constructor(
    private readonly db: Db,
    private readonly checkEveryMs = CHECK_MS,
  ) {}

  /** Reloads when the list has a newer version, or an emergency rule changed (checked at most every 10 s). */
  async fresh(): Promise<this> {
    if (Date.now() - this.checkedAt < this.checkEveryMs) return this;
    this.checkedAt = Date.now();
    const [latest, rules] = await Promise.all([
      this.db.listVersion.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
      this.db.emergencyRule.aggregate({ _max: { updatedAt: true }, _count: true }),
    ]);
    const rulesStamp = `${rules._count}:${rules._max.updatedAt?.getTime() ?? 0}`;
    if ((latest?.id ?? null) !== this.listVersionId || rulesStamp !== this.rulesStamp) await this.reload();
    return this;
  }

  async reload(): Promise<this> {
    const latest = await this.db.listVersion.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
    this.listVersionId = latest?.id ?? null;
    this.checkedAt = Date.now();
    this.catalogue = await Catalogue.load(this.db);
    const [rules, stamp] = await Promise.all([
      this.db.emergencyRule.findMany({ where: { active: true }, orderBy: { id: "asc" } }),
      this.db.emergencyRule.aggregate({ _max: { updatedAt: true }, _count: true }),
    ]);
    this.rulesStamp = `${stamp._count}:${stamp._max.updatedAt?.getTime() ?? 0}`;
    this.emergencyRules = rules.map((r) => ({
      code: r.code,
      name: r.name,
      keywords: r.keywords as string[],
      excludes: r.excludes as string[],
      hotline: r.hotline,
      advice: r.advice,
    }));
    return this;
  }
}
