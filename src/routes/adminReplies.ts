// Administrators change what the bot says: every reply text (prompts/replies/<key>.md is its default) can be
// replaced by a version of their own — checked for its placeholders, previewed with sample values, kept with
// its history, and put back to the file's text. Admin sessions only; every change is logged with who.
import Router from "@koa/router";
import { z } from "zod";
import type { Services } from "../services.ts";
import { parseInput } from "../http/middleware.ts";
import { requireUser, type SessionUser } from "../auth/sessions.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { placeholdersOf, renderTemplate } from "../texts/template.ts";

const keyParam = z.object({ key: z.string().regex(/^[a-z_]+$/, "文案名称无效") });
export const replySchema = z.object({
  text: z.string().trim().min(1, "文案不能为空").max(2_000),
  note: z.string().trim().min(1, "请说明这次修改了什么").max(200),
});
export const replyPreviewSchema = z.object({ text: z.string().max(2_000) });

/** Who reads each kind of text, from its name. */
const AUDIENCE: [RegExp, string][] = [
  [/^satisfaction_prompt$/, "大模型（回访评价提示词）"],
  [/^unit_/, "承办单位"],
  [/^area_/, "网格与社区"],
  [/^(survey_|progress_)/, "居民（主动告知）"],
  [/^place_/, "居民（社区服务场所问答）"],
  [/^volunteer_(offer|taken|claim_ok|done_ok|command_error|command_help|my_tasks|no_tasks|my_hours)$/, "志愿者"],
  [/^volunteer_(offered|claimed|unclaimed)$/, "居民（主动告知）"],
  [/^volunteer_unclaimed_grid$/, "网格与社区"],
  [/^household_/, "党员中心户"],
  [/^booking_staff_/, "服务场所工作人员（预约）"],
  [/^booking_(confirmed|proposed|declined|cancelled|reminder|rating_ask)$/, "居民（预约，主动告知）"],
  [/^booking_/, "居民（预约回复）"],
  [/./, "居民（回复）"],
];

/** Sample values for a preview, so the text reads as it will in a chat. */
const SAMPLES: Record<string, string> = {
  case_number: "2026-000123", matter_name: "电梯故障", resolve_due: "12月3日周四 18:00", response_due: "11月30日周一 14:00", lead_unit: "阳光花园物业服务中心",
  cooperating: "区市场监督管理局", location: "3号楼", appeal: "3号楼电梯坏了两天了", reason: "不属于本单位职责", target_number: "2026-000122", result: "已更换门机板",
  phase: "办结", due: "12月3日周四 18:00", bot_name: "小民", urgency: "一般", unit: "阳光花园物业服务中心", status: "办理中", rule: "火情", rating: "满意", note: "明早到场",
  place: "幸福社区老年食堂", address: "幸福路18号", week_hours: "周一至周五 11:00-12:30、17:00-18:00；周日 休息", holiday_hours: "法定节假日休息", day: "10月1日周四，国庆节",
  today_hours: "11:00-12:30、17:00-18:00", state: "现在正在开放", next_open: "10月8日周四 11:00-12:30", prices: "助餐：12元/餐，80岁以上8元/餐", services: "送餐上门", phone: "0571-86012301", topic: "开放时间",
  missing: "具体楼栋", level: "督办", hotline: "119", error: "工单号不存在", due_line: "12月3日周四 18:00前办结", cases: "2026-000123 电梯故障（办理中）", advice: "请立即撤离", action: "已办结",
  number: "YY2026-000001", service: "家政保洁", time: "12月1日周二 08:30", proposed: "12月2日周三 13:30", next_times: "12月1日周二 08:30\n12月1日周二 10:30\n12月1日周二 13:30",
  example: "预约12月1日 08:30的家政保洁", why: "这个时间不开放或排不下", text: "预约下周二上午的家政保洁",
  volunteer: "李红", minutes: "60", handler: "幸福社区居委会", hours: "1.5", building: "9号楼", summary: "9号楼有个独居老人好几天没见出门了", what: "已记录走访",
  count: "2", tasks: "2026-000123 独居老人关爱（3号楼）\n2026-000125 独居老人关爱（5号楼）", month: "2026年10月",
};

export function adminReplyRoutes(services: Services): Router {
  const { db, log, replies } = services;
  const router = new Router({ prefix: "/api/admin/replies" });
  router.use(requireUser(db, ["admin"], services.clock));
  const known = (key: string) => {
    if (replies.defaultText(key) === undefined) throw NotFoundError("没有这条回复文案");
    return key;
  };

  router.get("/", async (ctx) => {
    await replies.fresh(db);
    const latest = await db.replyVersion.findMany({ where: { active: true }, select: { key: true, authorName: true, createdAt: true, note: true } });
    const byKey = new Map(latest.map((v) => [v.key, v]));
    ctx.body = {
      replies: replies.keys.map((key) => {
        const def = replies.defaultText(key)!;
        const text = replies.text(key)!;
        const v = byKey.get(key);
        return {
          key,
          audience: AUDIENCE.find(([re]) => re.test(key))![1],
          text,
          defaultText: def,
          changed: text !== def,
          placeholders: placeholdersOf(def),
          lastChange: v ? { author: v.authorName, at: v.createdAt, note: v.note } : null,
        };
      }),
    };
  });

  router.get("/:key/versions", async (ctx) => {
    const key = known(parseInput(keyParam, ctx.params).key);
    const versions = await db.replyVersion.findMany({ where: { key }, orderBy: { id: "desc" }, take: 50 });
    ctx.body = { versions: versions.map((v) => ({ id: v.id, text: v.text, note: v.note, author: v.authorName, at: v.createdAt, active: v.active })) };
  });

  /** The text with sample values, as a resident or a unit would read it. */
  router.post("/:key/preview", async (ctx) => {
    const key = known(parseInput(keyParam, ctx.params).key);
    const { text } = parseInput(replyPreviewSchema, ctx.request.body);
    const problems = replies.check(key, text);
    const vars = Object.fromEntries(placeholdersOf(replies.defaultText(key)!).map((p) => [p, SAMPLES[p] ?? `〔${p}〕`]));
    ctx.body = { problems, rendered: problems.length ? null : renderTemplate(text, vars) };
  });

  /** Saves a new version and uses it from the next message. */
  router.put("/:key", async (ctx) => {
    const key = known(parseInput(keyParam, ctx.params).key);
    const body = parseInput(replySchema, ctx.request.body);
    const problems = replies.check(key, body.text);
    if (problems.length) throw ValidationError(problems.join("；"), { field: "text" });
    const user = ctx.state.user as SessionUser;
    const version = await save(key, body.text, body.note, user);
    ctx.body = { id: version.id, changed: body.text !== replies.defaultText(key) };
  });

  /** Back to the file's text, recorded as a version too. */
  router.post("/:key/reset", async (ctx) => {
    const key = known(parseInput(keyParam, ctx.params).key);
    const version = await save(key, replies.defaultText(key)!, "恢复默认文案", ctx.state.user as SessionUser);
    ctx.body = { id: version.id, changed: false };
  });

  async function save(key: string, text: string, note: string, user: SessionUser) {
    const version = await db.$transaction(async (tx) => {
      await tx.replyVersion.updateMany({ where: { key, active: true }, data: { active: false } });
      return tx.replyVersion.create({ data: { key, text, note, authorId: user.id, authorName: user.displayName, active: true, createdAt: services.clock() } });
    });
    replies.use(key, text);
    log.info({ by: user.id, key, replyVersionId: version.id }, "reply text changed");
    return version;
  }

  return router;
}
