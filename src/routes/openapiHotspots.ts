// 热点 (未诉先办, 每月一题) in the OpenAPI description (openapi.ts spreads these into its paths), with the bodies from
// the zod schemas routes/hotspots.ts validates with.
import { taskSchema } from "./hotspots.ts";
import { body, idPath, ok } from "./openapiShared.ts";

const errors = { "400": ok("请求无效"), "401": ok("未登录或令牌无效"), "403": ok("承办单位不能查看热点") };
const notFound = { "404": ok("未找到该热点，或您无权查看（不在本人网格范围内的热点与不存在的热点回答相同）") };
const months = { name: "months", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 24, default: 6 }, description: "最近几个月（含本月）" };
const monthly = "每月、每个社区反复出现（2 件及以上）的事项：件数、上月件数、趋势（new 新出现、up 上升、down 下降、same 持平）、已评价数与满意率（按考核评价的满意率口径），只统计调用者可见的工单";

export const hotspotPaths = {
  "/api/hotspots": {
    get: {
      summary: "热点（未诉先办）：同一楼栋或社区、同一事项在统计期内（设置 hotspotDays）达到最少件数（hotspotMinCases）的诉求；kind=rising 表示比上一同长时期至少翻倍。网格员只看到本人网格的楼栋和社区的热点，工单号只列本人可查看的",
      parameters: [{ name: "status", in: "query", required: false, schema: { type: "string", enum: ["open", "tasked", "dismissed", "all"] }, description: "默认 open 与 tasked" }],
      responses: { "200": ok("{hotspots: [{id, kind, status, matter, area, count, previousCount, cases, firstSeenAt, lastSeenAt, task}]}"), ...errors },
    },
  },
  "/api/hotspots/monthly": { get: { summary: `每月一题候选：${monthly}`, parameters: [months], responses: { "200": ok("{rows: [{month, community, matterCode, matter, count, previousCount, trend, evaluated, satisfactionRate}], trendLabels}"), ...errors } } },
  "/api/hotspots/monthly.xlsx": { get: { summary: "每月一题候选导出（XLSX）", parameters: [months], responses: { "200": ok("XLSX"), ...errors } } },
  "/api/hotspots/monthly.csv": { get: { summary: "每月一题候选导出（CSV）", parameters: [months], responses: { "200": ok("CSV"), ...errors } } },
  "/api/hotspots/{id}/task": {
    post: {
      summary: "把热点转为主动任务（未诉先办）：新建一件没有居民的工单（origin=proactive），事项与地点取自热点，立即派给事项的主责单位，照常催办、督办，办结后不回访直接结案；热点状态变为 tasked",
      parameters: [idPath],
      requestBody: { ...body(taskSchema), required: false },
      responses: { "201": ok("{number, status, statusLabel}"), "409": ok("热点已转为任务或已忽略"), ...notFound, ...errors },
    },
  },
  "/api/hotspots/{id}/dismiss": { post: { summary: "忽略热点（不再提醒，仍可在 status=all 中查看）", parameters: [idPath], responses: { "200": ok("{id, status}"), "409": ok("只能忽略未处理的热点"), ...notFound, ...errors } } },
};
