// The local classifier with what the deployment has learned: the linear model trained on confirmed cases,
// blended with the list's own keywords and examples (so matters nobody has confirmed yet still get found).
import type { Catalogue } from "./catalogue.ts";
import type { Learned } from "./learning.ts";
import { train } from "./learning.ts";
import { blend } from "./blend.ts";
import { calibrate } from "./calibration.ts";
import { fitConfidenceCalibration } from "./calibrationFit.ts";
import { LocalClassifier } from "./local.ts";
import type { Classification, Classifier, ClassifyInput } from "./types.ts";
import { findLocation } from "../domain/location.ts";
import { LOCATION_QUESTION } from "./local.ts";
import { CANDIDATES, FULL_LIST_MAX } from "./prompt.ts";

export class LearnedClassifier implements Classifier {
  readonly name = "local";
  private readonly keywords = new LocalClassifier();

  /** `learned` is read on every call, so a retrained model takes effect at once. */
  constructor(private readonly learned: () => Learned) {}

  /** Trained on these examples; with the list, its confidence calibrated by cross-validation on them too. */
  static train(examples: { text: string; label: string }[], catalogue?: Catalogue): LearnedClassifier {
    const learned = { ...train(examples), calibration: catalogue ? fitConfidenceCalibration(examples, catalogue) : null };
    return new LearnedClassifier(() => learned);
  }

  /** Probability per matter code, most likely first: the best `limit` of them. */
  ranked(text: string, catalogue: Catalogue, prior = this.keywords.scores(text, catalogue), limit = CANDIDATES): { code: string; p: number }[] {
    return blend(this.learned(), text, catalogue, prior, limit);
  }

  /**
   * How sure the classifier is of the top of `ranked` (as ranked() gives it) for this text: the calibrated
   * probability that it is right when a calibration has been learned, else the top probability as it is.
   */
  confidence(text: string, ranked: { p: number }[]): number {
    const top = ranked[0]?.p ?? 0;
    const calibration = this.learned().calibration;
    return calibration ? calibrate(calibration, top, ranked[1]?.p ?? 0, text.length) : top;
  }

  /** What the LLM should see besides the appeal: the best candidates (for a large list) and similar confirmed cases. */
  llmContext(text: string, catalogue: Catalogue): Pick<ClassifyInput, "candidates" | "examples"> {
    const { neighbours } = this.learned();
    return {
      candidates: catalogue.matters.length > FULL_LIST_MAX ? this.ranked(text, catalogue).slice(0, CANDIDATES).map((r) => r.code) : undefined,
      examples: neighbours?.nearest(text, 3, 0.3).map((n) => ({ text: n.text, code: n.label })),
    };
  }

  async classify(input: ClassifyInput, catalogue: Catalogue): Promise<Classification> {
    const prior = this.keywords.scores(input.text, catalogue);
    const base = await this.keywords.classify(input, catalogue, prior);
    const { neighbours } = this.learned();
    // Nothing learned yet: the list's keywords and examples decide, as they are.
    if (!neighbours) return base;
    const ranked = this.ranked(input.text, catalogue, prior);
    const top = ranked[0];
    if (!top) return base;
    const matter = catalogue.byCode.get(top.code)!;
    return {
      ...base,
      matterCode: top.code,
      confidence: Number(this.confidence(input.text, ranked).toFixed(3)),
      missingInfo: matter.needsLocation && !findLocation(input.text) ? [LOCATION_QUESTION] : [],
      rationale: `按已确认的诉求和关键词匹配到“${matter.name}”`,
      alternatives: ranked.slice(0, 5).map((r) => ({ code: r.code, score: Number(r.p.toFixed(4)) })),
    };
  }
}
