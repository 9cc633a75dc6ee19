// Reference data read on every message (the responsibility list, emergency rules), cached and reloaded on change;
// and the emergency rules as administrators keep them.
import { refuseDuplicate, type Db } from "./db.ts";
import { NotFoundError } from "./errors.ts";
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
    const now = await this.stamps();
    if (now.listVersionId !== this.listVersionId || now.rulesStamp !== this.rulesStamp) await this.reload(now);
    return this;
  }

  /** Loads the list and the rules; `stamps` says which versions they are (read before the data, so a change made
   * meanwhile is found by the next check). */
  async reload(stamps?: { listVersionId: number | null; rulesStamp: string }): Promise<this> {
    const versions = stamps ?? (await this.stamps());
    this.listVersionId = versions.listVersionId;
    this.rulesStamp = versions.rulesStamp;
    this.checkedAt = Date.now();
    const [catalogue, rules] = await Promise.all([Catalogue.load(this.db), this.db.emergencyRule.findMany({ where: { active: true }, orderBy: { id: "asc" } })]);
    this.catalogue = catalogue;
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

  /** The list's latest version, and how many emergency rules there are and when one last changed. */
  private async stamps() {
    const [latest, rules] = await Promise.all([
      this.db.listVersion.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
      this.db.emergencyRule.aggregate({ _max: { updatedAt: true }, _count: true }),
    ]);
    return { listVersionId: latest?.id ?? null, rulesStamp: `${rules._count}:${rules._max.updatedAt?.getTime() ?? 0}` };
  }
}

/** A rule as an administrator writes it: what the intake matches, and whether it is in force. */
export type EmergencyRuleInput = EmergencyRuleData & { active: boolean };

/** Every emergency rule, stopped ones too, in the order they were added. */
export async function listEmergencyRules(db: Db) {
  return db.emergencyRule.findMany({ orderBy: { id: "asc" } });
}

/** Adds an emergency rule (a code already used is a conflict); this process answers with it from the next message. */
export async function addEmergencyRule(deps: { db: Db; reference: ReferenceData }, rule: EmergencyRuleInput): Promise<void> {
  await refuseDuplicate(() => deps.db.emergencyRule.create({ data: rule }), `已有编码为 ${rule.code} 的规则`);
  await deps.reference.reload();
}

/** Changes or stops an emergency rule; `now` marks it changed, which other processes notice at their next check. */
export async function changeEmergencyRule(deps: { db: Db; reference: ReferenceData }, code: string, changes: Partial<Omit<EmergencyRuleInput, "code">>, now: Date): Promise<void> {
  const { count } = await deps.db.emergencyRule.updateMany({ where: { code }, data: { ...changes, updatedAt: now } });
  if (!count) throw NotFoundError("紧急规则不存在");
  await deps.reference.reload();
}
