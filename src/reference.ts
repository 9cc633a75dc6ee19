// Reference data read on every message (the responsibility list, emergency rules), cached and reloaded on change.
import type { Db } from "./db.ts";
import { Catalogue } from "./classify/catalogue.ts";
import type { EmergencyRuleData } from "./intake/recognise.ts";

export class ReferenceData {
  catalogue = new Catalogue([]);
  emergencyRules: EmergencyRuleData[] = [];

  constructor(private readonly db: Db) {}

  async reload(): Promise<this> {
    this.catalogue = await Catalogue.load(this.db);
    const rules = await this.db.emergencyRule.findMany({ where: { active: true }, orderBy: { id: "asc" } });
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
