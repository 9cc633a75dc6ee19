// The satisfaction survey's answer page, for residents a subscription notice reached (the 服务号 after the 48-hour
// window): the link is signed for one case, one round of its handling and one resident — the case's own, or one
// who joined it (同诉) — works until the survey ends, and records the answer as that resident's chat answer would
// (the case's resident's 不满意 reopens the case; a joined resident's rating is theirs alone).
import Router from "@koa/router";
import type { Context } from "koa";
import getRawBody from "raw-body";
import { z } from "zod";
import type { Services } from "../services.ts";
import { recordReporterAnswer, recordSurveyAnswer, RATING_LABELS, type Rating } from "../followup/satisfaction.ts";
import { TransitionError } from "../domain/caseMachine.ts";

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
const answerSchema = z.object({ rating: z.enum(["satisfied", "basically_satisfied", "dissatisfied"]), reason: z.string().trim().max(500).default("") });

export function surveyRoutes(services: Services): Router {
  const { db } = services;
  const router = new Router();

  /** The case and the joined resident (null: the case's own) a link is for, and whether their answer is awaited. */
  async function linkFor(ctx: Context) {
    const now = services.clock();
    const token = services.links.surveyToken(String(ctx.params.token), now);
    const kase = token ? await db.case.findUnique({ where: { id: token.caseId }, include: { matter: true, resident: true } }) : null;
    if (!token || !kase || kase.reworkCount !== token.round) return null;
    if (token.reporterId === null) return { kase, reporter: null, open: kase.status === "awaiting_feedback" || kase.status === "resolved" };
    const reporter = await db.caseReporter.findFirst({ where: { id: token.reporterId, caseId: kase.id, splitAt: null }, include: { resident: true } });
    if (!reporter?.resident) return null;
    // Theirs is open while their own survey question is (the case may have closed on its resident's answer).
    const asked = await db.pendingQuestion.count({ where: { caseId: kase.id, kind: "survey", channel: reporter.channel, senderId: reporter.resident.externalId, answeredAt: null, expiresAt: { gt: now } } });
    return { kase, reporter: { id: reporter.id, caseId: kase.id, channel: reporter.channel, senderId: reporter.resident.externalId }, open: asked > 0 };
  }

  router.get("/r/:token", async (ctx) => {
    const link = await linkFor(ctx);
    if (!link) return page(ctx, 403, "链接无效或已过期", "<p>这个评价链接已失效。如有问题，请直接给我们发消息。</p>");
    const { kase } = link;
    if (!link.open) return page(ctx, 200, "已评价", `<p>工单 ${esc(kase.number)} 已经评价过了，谢谢！</p>`);
    const buttons = (Object.entries(RATING_LABELS) as [Rating, string][]).map(([value, label]) => `<button name="rating" value="${value}">${label}</button>`).join("");
    return page(
      ctx,
      200,
      "办理满意度评价",
      `<p>工单 <b>${esc(kase.number)}</b>（${esc(kase.matter?.name ?? "诉求")}）已办结。</p>
<p>办理结果：${esc(kase.resolution ?? "")}</p>
<form method="post"><label>意见（可选）<textarea name="reason" maxlength="500"></textarea></label><div class="b">${buttons}</div></form>`,
    );
  });

  router.post("/r/:token", async (ctx) => {
    const link = await linkFor(ctx);
    if (!link) return page(ctx, 403, "链接无效或已过期", "<p>这个评价链接已失效。如有问题，请直接给我们发消息。</p>");
    const { kase, reporter } = link;
    const form = Object.fromEntries(new URLSearchParams(await getRawBody(ctx.req, { limit: "16kb", encoding: "utf8" })));
    // Once answered, the page does not take another answer (不满意 would reopen a closed case).
    if (!link.open) return page(ctx, 409, "已评价", `<p>工单 ${esc(kase.number)} 已经评价过了，谢谢！</p>`);
    const answer = answerSchema.safeParse(form);
    if (!answer.success) return page(ctx, 400, "请选择评价", "<p>请返回上一页，选择满意、基本满意或不满意。</p>");
    const now = services.clock();
    await services.replies.fresh(db);
    try {
      const { rating, reason } = answer.data;
      const { answer: text } = await db.$transaction((tx) =>
        reporter
          ? recordReporterAnswer(tx, services, reporter, { rating, reason, now })
          : recordSurveyAnswer(tx, services, { caseId: kase.id, rating, reason, actorId: `survey-link:${kase.resident?.externalId ?? "?"}`, now }),
      );
      await services.dispatcher.flush(now);
      return page(ctx, 200, "谢谢您的评价", `<p>${esc(text)}</p>`);
    } catch (err) {
      if (err instanceof TransitionError) return page(ctx, 409, "已评价", `<p>工单 ${esc(kase.number)} 已经评价过了，谢谢！</p>`);
      throw err;
    }
  });

  return router;
}

function page(ctx: Context, status: number, title: string, body: string) {
  ctx.status = status;
  ctx.type = "html";
  ctx.set("Content-Security-Policy", CSP);
  ctx.set("Cache-Control", "no-store");
  ctx.body = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font:17px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:24px;color:#222;background:#f6f7f9}main{max-width:480px;margin:auto;background:#fff;border-radius:12px;padding:20px 22px;box-shadow:0 1px 3px #0002}h1{font-size:20px;margin:0 0 12px}textarea{display:block;width:100%;box-sizing:border-box;min-height:70px;margin:6px 0 14px;font:inherit}.b{display:flex;gap:10px;flex-wrap:wrap}button{flex:1;font:inherit;padding:12px;border:0;border-radius:8px;background:#1a7f4b;color:#fff}button[value=basically_satisfied]{background:#4c8bf5}button[value=dissatisfied]{background:#c0392b}</style></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
