// Versions of the classification prompt. The files in prompts/ are version 1; every save in the console is a new
// version (author, time, note); one is active, and the LLM classifier reads it (cached briefly, so a change made
// in another process takes effect within seconds). Activating a version that was never live needs its evaluation
// to be no worse than the active one's on the same labelled set, or an explicit confirmation; going back to a
// version that was live before (rollback) is one step.
import { diffLines } from "diff";
import type { Db } from "../db.ts";
import type { Logger } from "../log.ts";
import { AppError, NotFoundError } from "../errors.ts";
import { checkPlaceholders, loadClassifyPrompts, type ClassifyPrompts } from "../classify/prompt.ts";
import type { Author, EvaluationResult } from "./types.ts";

export const CLASSIFY = "classify";
const CACHE_MS = 5_000;

export class PromptVersions {
  private cached: { at: number; prompts: ClassifyPrompts } | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Version 1 from the files in prompts/, active, when there is none yet. */
  async ensureDefault(now: Date): Promise<void> {
    if (await this.db.promptVersion.count({ where: { name: CLASSIFY } })) return;
    const files = loadClassifyPrompts();
    await this.db.promptVersion.create({
      data: { name: CLASSIFY, system: files.system, user: files.user, note: "默认版本（prompts/ 目录中的文件）", authorName: "系统", active: true, activatedAt: now, activatedBy: "系统", createdAt: now },
    });
  }

  /** The active prompt texts, with their version id. */
  async active(): Promise<ClassifyPrompts> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.prompts;
    const row = await this.db.promptVersion.findFirst({ where: { name: CLASSIFY, active: true } });
    const prompts = row ? { system: row.system, user: row.user, versionId: row.id } : loadClassifyPrompts();
    this.cached = { at: Date.now(), prompts };
    return prompts;
  }

  async get(id: number) {
    const row = await this.db.promptVersion.findFirst({ where: { id, name: CLASSIFY } });
    if (!row) throw NotFoundError("提示词版本不存在");
    return row;
  }

  async list() {
    return this.db.promptVersion.findMany({ where: { name: CLASSIFY }, orderBy: { id: "desc" } });
  }

  /** Saves a new version; placeholders are checked so a broken prompt never reaches the provider. */
  async create(v: { system: string; user: string; note: string }, author: Author, now: Date) {
    const problems = [...checkPlaceholders("system", v.system).map((p) => `系统提示：${p}`), ...checkPlaceholders("user", v.user).map((p) => `用户提示：${p}`)];
    if (problems.length) throw new AppError("invalid_prompt", 400, problems.join("；"));
    const row = await this.db.promptVersion.create({ data: { name: CLASSIFY, system: v.system, user: v.user, note: v.note, authorId: author.id, authorName: author.name, createdAt: now } });
    this.log.info({ promptVersionId: row.id, by: author.id }, "prompt version saved");
    return row;
  }

  /** A line diff of one version against another (by default the active one). */
  async diff(id: number, againstId?: number) {
    const version = await this.get(id);
    const against = againstId ? await this.get(againstId) : await this.db.promptVersion.findFirstOrThrow({ where: { name: CLASSIFY, active: true } });
    const parts = (a: string, b: string) => diffLines(a + "\n", b + "\n").map((c) => ({ kind: c.added ? "added" : c.removed ? "removed" : "same", text: c.value }));
    return { id, against: against.id, system: parts(against.system, version.system), user: parts(against.user, version.user) };
  }

  /**
   * Makes a version the active one. A version never live before is compared with the active version on the
   * latest labelled set both were evaluated on; worse (lower macro-F1) or not comparable needs `confirmed`.
   */
  async activate(id: number, opts: { confirmed: boolean }, author: Author, now: Date) {
    const version = await this.get(id);
    const current = await this.db.promptVersion.findFirst({ where: { name: CLASSIFY, active: true } });
    if (current?.id === id) return { activated: version, comparison: null };
    const comparison = current ? await this.compare(id, current.id) : null;
    const rollback = Boolean(version.activatedAt);
    if (!rollback && !opts.confirmed && (!comparison || comparison.worse)) {
      throw new AppError(
        "needs_confirmation",
        409,
        comparison ? `候选版本在同一评测集上比当前版本差（macro-F1 ${comparison.candidate.macroF1} < ${comparison.active.macroF1}），确认后才能启用` : "候选版本和当前版本没有在同一评测集上评测过，确认后才能启用",
        { comparison },
      );
    }
    const activated = await this.db.$transaction(async (tx) => {
      await tx.promptVersion.updateMany({ where: { name: CLASSIFY, active: true }, data: { active: false } });
      return tx.promptVersion.update({ where: { id }, data: { active: true, activatedAt: now, activatedBy: author.name } });
    });
    this.cached = null;
    this.log.info({ promptVersionId: id, previous: current?.id ?? null, rollback, confirmed: opts.confirmed, by: author.id }, "prompt version activated");
    return { activated, comparison };
  }

  /** The latest finished evaluations of two versions on the same labelled set, side by side. */
  async compare(candidateId: number, activeId: number) {
    const done = await this.db.evaluation.findMany({
      where: { promptVersionId: { in: [candidateId, activeId] }, classifier: "llm", status: "done" },
      orderBy: { id: "desc" },
    });
    for (const c of done.filter((e) => e.promptVersionId === candidateId)) {
      const a = done.find((e) => e.promptVersionId === activeId && e.datasetHash === c.datasetHash);
      if (!a) continue;
      const candidate = c.result as unknown as EvaluationResult;
      const active = a.result as unknown as EvaluationResult;
      return {
        dataset: c.datasetName,
        n: candidate.n,
        candidate: { evaluationId: c.id, accuracy: candidate.accuracy, macroF1: candidate.macroF1 },
        active: { evaluationId: a.id, accuracy: active.accuracy, macroF1: active.macroF1 },
        worse: candidate.macroF1 < active.macroF1,
      };
    }
    return null;
  }
}
