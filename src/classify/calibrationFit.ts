// Learns the confidence calibration (calibration.ts) from the confirmed cases themselves, by cross-validation:
// each fold's examples are scored by a model trained on the other folds (never on themselves), as whole texts
// and as the first 20–40 characters (what a WeChat message looks like), and the calibration is fitted to
// whether those held-out answers were right. Runs where the model is trained (the training thread).
import { blend } from "./blend.ts";
import { fitCalibration, type Calibration, type CalibrationPoint, SHORT_MAX_CHARS } from "./calibration.ts";
import type { Catalogue } from "./catalogue.ts";
import { LinearTextModel } from "./linear.ts";
import { LocalClassifier } from "./local.ts";
import { NeighbourIndex } from "./neighbours.ts";
import { seededRandom, shuffle } from "./random.ts";

/** Fewer examples than this give no calibration (the raw confidence stays). */
export const MIN_CALIBRATION_EXAMPLES = 100;
/** At most this many examples take part (a seeded sample): the folds' trainings stay a few seconds. */
const MAX_CALIBRATION_EXAMPLES = 3_000;
const FOLDS = 3;

/** The first 20–40 characters of a text (the length drawn from `random`): a WeChat-length message. */
export function shortWindow(text: string, random: () => number): string {
  return text.slice(0, 20 + Math.floor(random() * 21));
}

/**
 * Held-out predictions for the examples: each scored by models trained without its fold, as it is and, when
 * it is longer than a short message, as its first 20–40 characters.
 */
export function heldOutPoints(examples: { text: string; label: string }[], catalogue: Catalogue, seed = 17): CalibrationPoint[] {
  const random = seededRandom(seed);
  const sample = shuffle(examples.slice(), random).slice(0, MAX_CALIBRATION_EXAMPLES);
  const keywords = new LocalClassifier();
  const points: CalibrationPoint[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const train = sample.filter((_, i) => i % FOLDS !== f);
    const held = sample.filter((_, i) => i % FOLDS === f);
    if (new Set(train.map((e) => e.label)).size < 2) continue;
    const learned = { model: LinearTextModel.train(train), neighbours: NeighbourIndex.build(train) };
    for (const e of held) {
      const texts = e.text.length > SHORT_MAX_CHARS ? [e.text, shortWindow(e.text, random)] : [e.text];
      for (const text of texts) {
        const [first, second] = blend(learned, text, catalogue, keywords.scores(text, catalogue), 2);
        if (first) points.push({ p1: first.p, p2: second?.p ?? 0, chars: text.length, right: first.code === e.label });
      }
    }
  }
  return points;
}

/** The calibration for a model trained on these examples, or null when they are too few to learn one. */
export function fitConfidenceCalibration(examples: { text: string; label: string }[], catalogue: Catalogue): Calibration | null {
  if (examples.length < MIN_CALIBRATION_EXAMPLES) return null;
  return fitCalibration(heldOutPoints(examples, catalogue));
}
