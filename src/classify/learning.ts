// What the local classifier has learned: labelled examples from the database (workers' confirmations and
// corrections), a model trained on them at start, and retraining after each new example without a restart:
// the example is added to the example index at once; the model and a full rebuild of the index come from a
// worker thread (seconds of work that must not stop the service).
// Examples are other residents' appeals and go to the LLM provider as examples: they are stored masked (phones,
// ID and bank card numbers, plates, rooms, the resident's name), and rows stored before that are masked at start.
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import { redactPersonalData } from "../domain/redact.ts";
import { LinearTextModel } from "./linear.ts";
import { NeighbourIndex } from "./neighbours.ts";
import { WorkerTrainer, type LabelledExample, type Learned, type ModelTrainer } from "./trainer.ts";
import type { Catalogue } from "./catalogue.ts";
import { MIN_CALIBRATION_EXAMPLES } from "./calibrationFit.ts";

export type LabelledText = LabelledExample;
export type { Learned };

/** Above this many examples the start-up training runs in the worker thread while the service already answers. */
export const TRAIN_IN_BACKGROUND_ABOVE = 2_000;

export class LearningStore {
  private examples: LabelledText[] = [];
  private current: Learned = { model: null, neighbours: null };
  private training: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly trainer: ModelTrainer = new WorkerTrainer(),
    /** The responsibility list in force: given, each training learns the confidence calibration for it too. */
    private readonly catalogue?: () => Catalogue,
  ) {}

  /** The model and the example index in force now (swapped whole after each retraining). */
  get learned(): Learned {
    return this.current;
  }

  get size(): number {
    return this.examples.length;
  }

  /**
   * Reads every example and trains (start-up). A small set trains here, before the service listens; a large one
   * (a model takes over ten seconds with 10,000 examples of 60 matters) starts with the example index and the
   * list's keywords, and the model joins from the worker thread when it is ready (trained()).
   */
  async load(): Promise<void> {
    await this.reloadExamples();
    const started = performance.now();
    if (this.examples.length > TRAIN_IN_BACKGROUND_ABOVE) {
      void this.retrain();
      this.log.info({ examples: this.examples.length, ms: Math.round(performance.now() - started) }, "indexed the examples; the model trains in the background");
      return;
    }
    this.current = train(this.examples);
    if (this.examples.length) this.log.info({ examples: this.examples.length, ms: Math.round(performance.now() - started) }, "trained the local classifier");
    // The calibration takes several trainings (cross-validation): it joins from the worker thread.
    if (this.catalogue && this.examples.length >= MIN_CALIBRATION_EXAMPLES) void this.retrain();
  }

  /**
   * Stores a confirmed or corrected case as an example (one per case) and retrains: the example counts at once
   * for similar appeals (added to the example index, milliseconds); the model and the index rebuilt in full
   * follow when the worker thread is done (trained()).
   */
  async learn(e: { text: string; matterCode: string; source: "confirmed" | "corrected" | "imported"; caseId?: number }): Promise<void> {
    if (e.caseId) {
      const text = redactPersonalData(e.text, await residentNames(this.db, [e.caseId]).then((n) => n.get(e.caseId!) ?? []));
      await this.db.labelledExample.upsert({
        where: { caseId: e.caseId },
        create: { text, matterCode: e.matterCode, source: e.source, caseId: e.caseId },
        update: { text, matterCode: e.matterCode, source: e.source },
      });
      await this.reloadExamples();
    } else {
      const text = redactPersonalData(e.text);
      await this.db.labelledExample.create({ data: { text, matterCode: e.matterCode, source: e.source } });
      this.examples.push({ text, label: e.matterCode });
    }
    void this.retrain();
  }

  /**
   * Brings the example index up to the examples now (new ones added, milliseconds), then trains the model and
   * rebuilds the index in full through the trainer; calls that arrive during a training are folded into one
   * more run. Resolves when both are in force; never rejects: a failed training is logged and the previous model
   * kept, with the index as it is (the examples added to it still count).
   */
  retrain(): Promise<void> {
    this.current = { ...this.current, neighbours: this.upToDate(this.current.neighbours) };
    if (this.training) {
      this.again = true;
      return this.training;
    }
    this.training = (async () => {
      do {
        this.again = false;
        const examples = this.examples.slice();
        // An index built in full from these very examples needs no rebuild (start-up has just built it).
        const index = !(this.current.neighbours?.exact && this.current.neighbours.size === examples.length);
        if (labelCount(examples) < 2 && !index) {
          this.current = { model: null, neighbours: this.current.neighbours, calibration: null };
          continue;
        }
        const started = performance.now();
        try {
          const matters = this.catalogue?.().matters;
          const learned = await this.trainer.train(examples, { index, ...(matters?.length ? { matters } : {}) });
          if (this.closed) return;
          // Examples learned while the thread worked are added to its index, as to the one in force.
          this.current = { model: learned.model, neighbours: this.upToDate(learned.neighbours ?? this.current.neighbours), calibration: learned.calibration ?? null };
          this.log.info({ examples: examples.length, index, calibrated: Boolean(learned.calibration), ms: Math.round(performance.now() - started) }, "retrained the local classifier");
        } catch (err) {
          if (this.closed) return;
          this.log.error({ err, examples: examples.length }, "retraining the local classifier failed; the previous model stays in force");
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.training = null));
    return this.training;
  }

  /** Resolves when no training is under way (the model reflects every example learned so far). */
  async trained(): Promise<void> {
    while (this.training) await this.training;
  }

  /** Stops the training thread (service shutdown); a training under way is abandoned. */
  async close(): Promise<void> {
    this.closed = true;
    await this.trainer.close();
  }

  /**
   * The index with every example so far: new examples added, changed labels taken over; built here only when
   * there is none yet or the examples no longer extend its own (never from learn(): the table only grows).
   */
  private upToDate(index: NeighbourIndex | null): NeighbourIndex | null {
    if (index?.catchUp(this.examples)) return index;
    if (index) this.log.warn({ examples: this.examples.length, indexed: index.size }, "the examples changed under the example index; rebuilding it here");
    return neighboursFor(this.examples);
  }

  private async reloadExamples() {
    const rows = await this.db.labelledExample.findMany({ select: { text: true, matterCode: true }, orderBy: { id: "asc" } });
    this.examples = rows.map((r) => ({ text: r.text, label: r.matterCode }));
  }
}

/** The names a case's resident goes by (display name, and the sender names of the case's messages), by case. */
export async function residentNames(db: Db, caseIds: number[]): Promise<Map<number, string[]>> {
  const names = new Map<number, string[]>();
  // Chunks keep the IN list well under SQLite's limit on bound variables.
  for (let i = 0; i < caseIds.length; i += 500) {
    const rows = await db.case.findMany({
      where: { id: { in: caseIds.slice(i, i + 500) } },
      select: { id: true, resident: { select: { displayName: true } }, messages: { select: { senderName: true } } },
    });
    for (const r of rows) names.set(r.id, [r.resident?.displayName, ...r.messages.map((m) => m.senderName)].filter((n): n is string => Boolean(n)));
  }
  return names;
}

/**
 * Masks the examples stored before examples were masked (a one-off at start, repeated harmlessly: a masked text
 * masks to itself). Returns how many rows changed. Runs before load(), so the index never holds an unmasked text.
 */
export async function maskStoredExamples(db: Db): Promise<number> {
  const rows = await db.labelledExample.findMany({ select: { id: true, text: true, caseId: true } });
  const names = await residentNames(db, rows.flatMap((r) => (r.caseId ? [r.caseId] : [])));
  let changed = 0;
  for (const r of rows) {
    const text = redactPersonalData(r.text, r.caseId ? names.get(r.caseId) ?? [] : []);
    if (text === r.text) continue;
    await db.labelledExample.update({ where: { id: r.id }, data: { text } });
    changed++;
  }
  return changed;
}

/** The model needs two labels at least; the example index works from the first example. */
export function train(examples: LabelledText[]): Learned {
  return {
    model: labelCount(examples) >= 2 ? LinearTextModel.train(examples) : null,
    neighbours: neighboursFor(examples),
  };
}

const labelCount = (examples: LabelledText[]) => new Set(examples.map((e) => e.label)).size;
const neighboursFor = (examples: LabelledText[]) => (examples.length ? NeighbourIndex.build(examples) : null);
