// Evaluating a prompt version (through the configured LLM) or the local classifier on a labelled set: the
// confirmed cases in the database, or a file an administrator uploads (`text<TAB>label` or CSV `text,label`, the
// label a matter's code or name). It runs in the background; the Evaluation row holds progress and the result.
import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import type { Db, Prisma } from "../db.ts";
import type { Logger } from "../log.ts";
import { AppError, NotFoundError } from "../errors.ts";
import type { Catalogue } from "../classify/catalogue.ts";
import { confusions, evaluate, score, type Labelled } from "../classify/evaluate.ts";
import type { LearnedClassifier } from "../classify/learned.ts";
import type { LlmClassifier, LlmTrace } from "../classify/llm.ts";
import type { PromptVersions } from "./promptVersions.ts";
import type { Author, EvaluationResult } from "./types.ts";

export type Dataset = { kind: "confirmed" } | { kind: "upload"; name: string; content: string };

const MAX_ITEMS = 2_000;

/**
 * Labelled lines of an uploaded file, or the problems with it (line by line, in Chinese). Reading stops at the
 * first line past MAX_ITEMS (a header allowed): the rest of the file is never split or parsed, so a 3 MB upload of
 * a million short lines costs milliseconds on the service's thread, not seconds.
 */
export function parseLabelledUpload(content: string, catalogue: Catalogue): Labelled[] {
  const byName = new Map(catalogue.matters.map((m) => [m.name, m.code]));
  const text = content.replace(/^\uFEFF/, "");
  const tsv = text.split(/\r?\n/, 1)[0].includes("\t");
  const items: Labelled[] = [];
  const problems: string[] = [];
  let filled = 0;
  const take = (row: string[], i: number) => {
    if (!row.join("").trim()) return;
    if (++filled > MAX_ITEMS + 1) throw new AppError("invalid_dataset", 400, `评测集最多 ${MAX_ITEMS} 条：文件超过 ${MAX_ITEMS} 行，已在第 ${i + 1} 行停止读取`);
    if (i === 0 && /^(text|诉求|内容)$/i.test(row[0]?.trim() ?? "")) return; // a header line
    const [t, label] = [row[0]?.trim() ?? "", row.at(-1)?.trim() ?? ""];
    if (row.length < 2 || !t) return void problems.push(`第 ${i + 1} 行：应为“诉求<TAB>事项”`);
    const code = catalogue.byCode.has(label) ? label : byName.get(label);
    if (!code) return void problems.push(`第 ${i + 1} 行：“${label.slice(0, 20)}”不是清单中的事项编码或名称`);
    items.push({ text: t, code });
  };
  if (tsv) {
    for (let start = 0, i = 0; ; i++) {
      const end = text.indexOf("\n", start);
      const line = text.slice(start, end < 0 ? text.length : end).replace(/\r$/, "");
      const tab = line.lastIndexOf("\t");
      take(tab < 0 ? [line] : [line.slice(0, tab), line.slice(tab + 1)], i);
      if (end < 0) break;
      start = end + 1;
    }
  } else {
    let i = 0;
    try {
      parse(text, { relax_column_count: true, skip_empty_lines: false, on_record: (row: string[]) => (take(row, i++), null) });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError("invalid_dataset", 400, `第 ${i + 1} 行：CSV 格式错误（${(err as Error).message}）`);
    }
  }
  if (problems.length) throw new AppError("invalid_dataset", 400, problems.slice(0, 10).join("；") + (problems.length > 10 ? `；另有 ${problems.length - 10} 处` : ""));
  if (items.length > MAX_ITEMS) throw new AppError("invalid_dataset", 400, `评测集最多 ${MAX_ITEMS} 条，此文件有 ${items.length} 条`);
  return items;
}

export class Evaluations {
  constructor(
    private readonly deps: {
      db: Db;
      log: Logger;
      prompts: PromptVersions;
      llm: LlmClassifier | null;
      local: LearnedClassifier;
      catalogue: () => Catalogue;
      /** The service clock: an evaluation ends at the service's time, like everything else. */
      clock: () => Date;
    },
  ) {}

  /** After a restart nothing is running any more: say so rather than show progress forever. */
  async markInterrupted(now: Date) {
    await this.deps.db.evaluation.updateMany({ where: { status: "running" }, data: { status: "failed", error: "服务重启，评测中断，请重新评测", finishedAt: now } });
  }

  async get(id: number) {
    const row = await this.deps.db.evaluation.findUnique({ where: { id } });
    if (!row) throw NotFoundError("评测不存在");
    return row;
  }

  /** Starts an evaluation and returns at once; `done` is the promise of its end, for tests and the command line. */
  async start(o: { promptVersionId?: number; classifier: "llm" | "local"; dataset: Dataset }, by: Author, now: Date) {
    const { db, log } = this.deps;
    const catalogue = this.deps.catalogue();
    if (o.classifier === "llm" && !this.deps.llm) throw new AppError("llm_not_configured", 400, "未配置大模型（OPENAI_BASE_URL / OPENAI_API_KEY），只能评测本地分类器");
    const version = o.classifier === "llm" ? (o.promptVersionId ? await this.deps.prompts.get(o.promptVersionId) : null) : null;
    if (o.classifier === "llm" && !version) throw new AppError("validation_error", 400, "请选择要评测的提示词版本");
    const items = o.dataset.kind === "confirmed" ? await this.confirmed(catalogue) : parseLabelledUpload(o.dataset.content, catalogue);
    // The local classifier learns from the confirmed cases; measured on an uploaded set, it is trained on all of them.
    const trainOn = o.classifier === "local" && o.dataset.kind === "upload" ? await this.confirmed(catalogue) : null;
    if (!items.length) throw new AppError("invalid_dataset", 400, o.dataset.kind === "confirmed" ? "还没有已确认的工单可以评测" : "评测文件中没有诉求");
    const datasetHash = createHash("sha256").update(JSON.stringify(items)).digest("hex").slice(0, 16);
    const row = await db.evaluation.create({
      data: {
        promptVersionId: version?.id ?? null,
        classifier: o.classifier,
        dataset: o.dataset.kind,
        datasetName: o.dataset.kind === "confirmed" ? `已确认工单（${items.length} 条）` : o.dataset.name,
        datasetHash,
        total: items.length,
        createdBy: by.name,
        createdAt: now,
      },
    });
    log.info({ evaluationId: row.id, promptVersionId: version?.id ?? null, classifier: o.classifier, n: items.length, by: by.id }, "evaluation started");
    const run = o.classifier === "llm" ? this.runLlm(row.id, items, { system: version!.system, user: version!.user, versionId: version!.id }, catalogue) : this.runLocal(row.id, items, trainOn, catalogue);
    const done = run
      .then(async (result) => {
        await db.evaluation.update({ where: { id: row.id }, data: { status: "done", done: items.length, result: result as unknown as Prisma.InputJsonValue, finishedAt: this.deps.clock() } });
        log.info({ evaluationId: row.id, accuracy: result.accuracy, macroF1: result.macroF1 }, "evaluation finished");
      })
      .catch(async (err) => {
        log.error({ err, evaluationId: row.id }, "evaluation failed");
        await db.evaluation.update({ where: { id: row.id }, data: { status: "failed", error: "评测出错，请查看服务日志", finishedAt: this.deps.clock() } });
      });
    return { evaluation: row, done };
  }

  private async confirmed(catalogue: Catalogue): Promise<Labelled[]> {
    const rows = await this.deps.db.labelledExample.findMany({ orderBy: { id: "asc" }, take: MAX_ITEMS, select: { text: true, matterCode: true } });
    return rows.filter((r) => catalogue.byCode.has(r.matterCode)).map((r) => ({ text: r.text, code: r.matterCode }));
  }

  private progress(id: number) {
    let last = 0;
    return async (done: number, total: number) => {
      if (done - last < 5 && done < total) return;
      last = done;
      await this.deps.db.evaluation.update({ where: { id }, data: { done } });
    };
  }

  /** The prompt version as the service would run it: the same candidates and similar confirmed cases. */
  private async runLlm(id: number, items: Labelled[], prompts: { system: string; user: string; versionId: number }, catalogue: Catalogue): Promise<EvaluationResult> {
    const llm = this.deps.llm!.withPrompts(prompts);
    const progress = this.progress(id);
    const pairs: { predicted: string | null; actual: string; local: boolean }[] = [];
    const tokens = { prompt: 0, completion: 0, cached: 0 };
    let failures = 0;
    const started = performance.now();
    for (const item of items) {
      const context = this.deps.local.llmContext(item.text, catalogue);
      // The case itself is among the confirmed examples: showing it would give the answer away.
      const examples = context.examples?.filter((e) => e.text !== item.text);
      const trace: LlmTrace = { requests: [], answers: [] };
      let predicted: string | null = null;
      try {
        predicted = (await llm.classify({ text: item.text, ...context, examples }, catalogue, trace)).matterCode;
      } catch {
        failures++;
      }
      for (const a of trace.answers) {
        const u = a.usage as { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
        tokens.prompt += u?.prompt_tokens ?? 0;
        tokens.completion += u?.completion_tokens ?? 0;
        tokens.cached += u?.prompt_tokens_details?.cached_tokens ?? 0;
      }
      pairs.push({ predicted, actual: item.code, local: false });
      await progress(pairs.length, items.length);
    }
    const s = score(pairs, catalogue);
    return {
      n: s.n,
      accuracy: s.accuracy,
      macroF1: s.macroF1,
      perLabel: s.perLabel,
      confusions: confusions(pairs, catalogue),
      llmCalls: items.length,
      tokens,
      failures,
      msPerAppeal: Math.round((performance.now() - started) / items.length),
      method: "大模型逐条分类（附本地候选事项和相似已确认工单，不含本条）",
    };
  }

  /**
   * The local classifier learns from the confirmed cases, so on them it is measured by 5-fold cross-validation;
   * an uploaded set is classified by a model trained on all confirmed cases.
   */
  private async runLocal(id: number, items: Labelled[], trainOn: Labelled[] | null, catalogue: Catalogue): Promise<EvaluationResult> {
    const progress = this.progress(id);
    const pending: Promise<void>[] = [];
    const folds = Math.min(5, items.length);
    const report = await evaluate({
      catalogue,
      classifier: "local",
      ...(trainOn ? { train: trainOn, test: items } : { train: items, folds }),
      progress: (done, total) => void pending.push(progress(done, total)),
    });
    await Promise.all(pending);
    return {
      n: report.n,
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      perLabel: report.perLabel,
      confusions: report.confusions,
      llmCalls: 0,
      tokens: { prompt: 0, completion: 0, cached: 0 },
      failures: 0,
      msPerAppeal: Math.round(report.msPerAppeal),
      method: trainOn ? "本地分类器（以全部已确认工单训练）" : `本地分类器（${folds} 折交叉验证）`,
    };
  }
}
