// The local classifier with what the deployment has learned: the linear model trained on confirmed cases,
// blended with the list's own keywords and examples (so matters nobody has confirmed yet still get found).
import type { Catalogue } from "./catalogue.ts";
import { LinearTextModel } from "./linear.ts";
import { LocalClassifier } from "./local.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { findLocation } from "../domain/location.ts";
import { LOCATION_QUESTION } from "./local.ts";

/** How much the learned model counts against the list's keywords once it has examples. */
const MODEL_WEIGHT = 0.85;
const PRIOR_TEMPERATURE = 12;

export class LearnedClassifier implements Classifier {
  readonly name = "local";
  private readonly keywords = new LocalClassifier();

  constructor(private readonly model: LinearTextModel | null) {}

  static train(examples: { text: string; label: string }[]): LearnedClassifier {
    return new LearnedClassifier(examples.length ? LinearTextModel.train(examples) : null);
  }

  /** Probability per matter code, most likely first. */
  ranked(text: string, catalogue: Catalogue): { code: string; p: number }[] {
    const prior = this.keywords.scores(text, catalogue);
    const max = prior[0]?.score ?? 0;
    let z = 0;
    const priorP = new Map(
      prior.map((r) => {
        const e = Math.exp((r.score - max) * PRIOR_TEMPERATURE);
        z += e;
        return [r.code, e] as const;
      }),
    );
    const combined = new Map<string, number>();
    const modelWeight = this.model ? MODEL_WEIGHT : 0;
    for (const [code, e] of priorP) combined.set(code, (1 - modelWeight) * (e / z));
    if (this.model) {
      for (const { label, p } of this.model.predict(text, this.model.labels.length)) {
        if (combined.has(label)) combined.set(label, combined.get(label)! + modelWeight * p);
      }
    }
    return [...combined].map(([code, p]) => ({ code, p })).sort((a, b) => b.p - a.p);
  }

  async classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification> {
    const ranked = this.ranked(input.text, catalogue);
    const top = ranked[0];
    const base = await this.keywords.classify(input, catalogue);
    if (!top) return base;
    const matter = catalogue.byCode.get(top.code)!;
    return {
      ...base,
      matterCode: top.code,
      confidence: Number(top.p.toFixed(3)),
      missingInfo: matter.needsLocation && !findLocation(input.text) ? [LOCATION_QUESTION] : [],
      rationale: this.model ? `按已确认的诉求和关键词匹配到“${matter.name}”` : base.rationale,
      alternatives: ranked.slice(0, 5).map((r) => ({ code: r.code, score: Number(r.p.toFixed(4)) })),
    };
  }
}
