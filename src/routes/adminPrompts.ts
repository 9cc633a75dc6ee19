// Administrators tune the classification prompt: versions, diff, preview on one appeal, evaluation on a labelled
// set, activation (gated by the evaluation) and rollback. Admin sessions only; every change is logged with who.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { AppError } from "../errors.ts";
import { PROMPT_PLACEHOLDERS } from "../classify/prompt.ts";
import { LlmClassifier, LlmUnavailableError, type LlmTrace } from "../classify/llm.ts";
import { llmInput } from "../classify/index.ts";
import type { Author } from "../admin/types.ts";
import { rowId, rowIdValue } from "../http/ids.ts";

const idParam = z.object({ id: rowId });
export const promptSchema = z.object({
  system: z.string().trim().min(1, "系统提示不能为空").max(20_000),
  user: z.string().trim().min(1, "用户提示不能为空").max(5_000),
  note: z.string().trim().min(1, "请说明这次修改了什么").max(200),
});
export const previewSchema = z.object({
  text: z.string().trim().min(1, "请输入一条诉求").max(2_000),
  /** Where the appeal came from, as the bot would say it (e.g. 群聊“阳光花园业主群”，网格：幸福社区第一网格). */
  context: z.string().trim().max(200).optional(),
});
export const activateSchema = z.object({ confirmed: z.boolean().default(false) });
export const diffQuery = z.object({ against: rowId.optional() });
export const evaluationSchema = z.object({
  promptVersionId: rowIdValue.optional(),
  classifier: z.enum(["llm", "local"]).default("llm"),
  dataset: z.enum(["confirmed", "upload"]).default("confirmed"),
  fileName: z.string().trim().max(100).optional(),
  /** The uploaded file's text: `text<TAB>label` lines or CSV `text,label`. */
  content: z.string().max(3_000_000).optional(),
});

export function adminPromptRoutes(services: Services): Router {
  const { prompts, evaluations } = services;
  const router = new Router({ prefix: "/api/admin" });
  router.use(requireUser(services.db, ["admin"], services.clock));
  const author = (u: SessionUser): Author => ({ id: u.id, name: u.displayName });

  router.get("/prompts", async (ctx) => {
    const versions = await prompts.list();
    const evals = await services.db.evaluation.findMany({ where: { status: "done", classifier: "llm" }, orderBy: { id: "desc" } });
    ctx.body = {
      llm: services.llm ? { configured: true, model: services.llm.model } : { configured: false, model: null },
      placeholders: PROMPT_PLACEHOLDERS,
      versions: versions.map((v) => {
        const latest = evals.find((e) => e.promptVersionId === v.id);
        const r = latest?.result as { accuracy: number; macroF1: number; n: number } | undefined;
        return {
          id: v.id,
          note: v.note,
          author: v.authorName,
          createdAt: v.createdAt,
          active: v.active,
          activatedAt: v.activatedAt,
          activatedBy: v.activatedBy,
          latestEvaluation: latest && r ? { id: latest.id, dataset: latest.datasetName, n: r.n, accuracy: r.accuracy, macroF1: r.macroF1 } : null,
        };
      }),
    };
  });

  router.get("/prompts/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const v = await prompts.get(id);
    ctx.body = { id: v.id, system: v.system, user: v.user, note: v.note, author: v.authorName, createdAt: v.createdAt, active: v.active, activatedAt: v.activatedAt };
  });

  router.post("/prompts", async (ctx) => {
    const body = parseInput(promptSchema, ctx.request.body);
    const v = await prompts.create(body, author(ctx.state.user), services.clock());
    ctx.status = 201;
    ctx.body = { id: v.id };
  });

  router.get("/prompts/:id/diff", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const q = parseInput(diffQuery, ctx.query);
    ctx.body = await prompts.diff(id, q.against);
  });

  // One appeal through this version, exactly as the service would send it (masked, with the examples the setting
  // allows), with the raw answer.
  router.post("/prompts/:id/preview", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(previewSchema, ctx.request.body);
    const v = await prompts.get(id);
    const catalogue = services.reference.catalogue;
    const input = llmInput(services.local, { text: body.text, context: body.context ?? "私聊" }, catalogue);
    const local = await services.local.classify(input, catalogue);
    const localResult = { matterCode: local.matterCode, matterName: local.matterCode ? catalogue.byCode.get(local.matterCode)?.name ?? null : null, confidence: local.confidence };
    if (!services.llm) {
      const offline = new LlmClassifier({
        model: "（未配置）", timeoutMs: 1, maxRetries: 0, strictJsonSchema: false, botName: services.config.BOT_NAME, prompts: v,
        examples: async () => (await services.settings.current()).llmExamples,
      });
      const request = await offline.requestFor(input, catalogue);
      ctx.body = { configured: false, requests: [request], messages: request.messages, local: localResult };
      return;
    }
    const trace: LlmTrace = { requests: [], answers: [] };
    const started = performance.now();
    let parsed = null;
    let error: string | null = null;
    try {
      const c = await services.llm.withPrompts({ system: v.system, user: v.user, versionId: v.id }).classify(input, catalogue, trace);
      parsed = {
        matterCode: c.matterCode, matterName: c.matterCode ? catalogue.byCode.get(c.matterCode)?.name ?? null : null, urgency: c.urgency, confidence: c.confidence,
        // The codes the model chose, and what the resident would be asked for them (the service's texts).
        missingInfo: c.missingInfo, questions: c.missingInfo.length ? services.replies.questions(c.missingInfo) : null,
        rationale: c.rationale, usage: c.usage,
      };
    } catch (err) {
      error = err instanceof LlmUnavailableError ? `大模型没有给出可用的回答（${err.reason}）：${err.message}` : "预览出错，请查看服务日志";
      if (!(err instanceof LlmUnavailableError)) services.log.error({ err }, "prompt preview failed");
    }
    ctx.body = { configured: true, requests: trace.requests, answers: trace.answers, parsed, error, ms: Math.round(performance.now() - started), local: localResult };
  });

  router.post("/prompts/:id/activate", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const body = parseInput(activateSchema, ctx.request.body ?? {});
    const { activated, comparison } = await prompts.activate(id, body, author(ctx.state.user), services.clock());
    ctx.body = { id: activated.id, active: true, comparison };
  });

  router.post("/evaluations", async (ctx) => {
    const body = parseInput(evaluationSchema, ctx.request.body);
    if (body.dataset === "upload" && !body.content) throw new AppError("validation_error", 400, "请选择评测文件", { field: "content" });
    const { evaluation } = await evaluations.start(
      {
        promptVersionId: body.promptVersionId,
        classifier: body.classifier,
        dataset: body.dataset === "upload" ? { kind: "upload", name: body.fileName ?? "上传的评测集", content: body.content! } : { kind: "confirmed" },
      },
      author(ctx.state.user),
      services.clock(),
    );
    ctx.status = 202;
    ctx.body = { id: evaluation.id, total: evaluation.total };
  });

  router.get("/evaluations/:id", async (ctx) => {
    const { id } = parseInput(idParam, ctx.params);
    const e = await evaluations.get(id);
    ctx.body = { id: e.id, promptVersionId: e.promptVersionId, classifier: e.classifier, dataset: e.datasetName, status: e.status, done: e.done, total: e.total, result: e.result, error: e.error, createdBy: e.createdBy, createdAt: e.createdAt, finishedAt: e.finishedAt };
  });

  return router;
}
