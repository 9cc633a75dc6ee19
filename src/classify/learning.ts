// What the local classifier has learned: labelled examples from the database (workers' confirmations and
// corrections), a model trained on them at start, and retraining after each new example without a restart.
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import { LinearTextModel } from "./linear.ts";
import { NeighbourIndex } from "./neighbours.ts";

export interface LabelledText {
  text: string;
  label: string;
}

export class LearningStore {
  private examples: LabelledText[] = [];
  private current: Learned = { model: null, neighbours: null };
  private training: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** The model and the example index in force now (swapped whole after each retraining). */
  get learned(): Learned {
    return this.current;
  }

  get size(): number {
    return this.examples.length;
  }

  /** Reads every example and trains (start-up). */
  async load(): Promise<void> {
    await this.reloadExamples();
    const started = performance.now();
    this.current = train(this.examples);
    if (this.examples.length) this.log.info({ examples: this.examples.length, ms: Math.round(performance.now() - started) }, "trained the local classifier");
  }

  /** Stores a confirmed or corrected case as an example (one per case) and retrains. */
  async learn(e: { text: string; matterCode: string; source: "confirmed" | "corrected" | "imported"; caseId?: number }): Promise<void> {
    if (e.caseId) {
      await this.db.labelledExample.upsert({
        where: { caseId: e.caseId },
        create: { text: e.text, matterCode: e.matterCode, source: e.source, caseId: e.caseId },
        update: { matterCode: e.matterCode, source: e.source },
      });
      await this.reloadExamples();
    } else {
      await this.db.labelledExample.create({ data: { text: e.text, matterCode: e.matterCode, source: e.source } });
      this.examples.push({ text: e.text, label: e.matterCode });
    }
    await this.retrain();
  }

  /** Trains again; calls that arrive meanwhile are folded into one more run. */
  retrain(): Promise<void> {
    if (this.training) {
      this.again = true;
      return this.training;
    }
    this.training = (async () => {
      do {
        this.again = false;
        await new Promise((r) => setImmediate(r)); // let the request that asked finish first
        this.current = train(this.examples);
      } while (this.again);
    })().finally(() => (this.training = null));
    return this.training;
  }

  private async reloadExamples() {
    const rows = await this.db.labelledExample.findMany({ select: { text: true, matterCode: true }, orderBy: { id: "asc" } });
    this.examples = rows.map((r) => ({ text: r.text, label: r.matterCode }));
  }
}

export interface Learned {
  model: LinearTextModel | null;
  neighbours: NeighbourIndex | null;
}

/** The model needs two labels at least; the example index works from the first example. */
export function train(examples: LabelledText[]): Learned {
  return {
    model: new Set(examples.map((e) => e.label)).size >= 2 ? LinearTextModel.train(examples) : null,
    neighbours: examples.length ? NeighbourIndex.build(examples) : null,
  };
}
