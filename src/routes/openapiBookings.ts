// The bookings' routes in the OpenAPI description (openapi.ts spreads these into its paths), with the body from the
// zod schema routes/bookings.ts validates with.
import { REQUEST_NUMBER_EXACT } from "../places/requests.ts";
import { bookingActionSchema } from "./bookings.ts";
import { body, ok } from "./openapiShared.ts";

const errors = { "400": ok("请求无效：error.field 指出哪个字段"), "401": ok("未登录或令牌无效"), "403": ok("承办单位不能查看预约"), "404": ok("预约不存在") };
const numberPath = { name: "number", in: "path", required: true, schema: { type: "string", pattern: REQUEST_NUMBER_EXACT.source }, example: "YY2026-000001" };

export const bookingPaths = {
  "/api/bookings": {
    get: {
      summary: "服务场所的预约（管理员、工作人员与工作人员令牌可看全部场所的预约，承办单位不可）；每条带 actions：可执行的操作",
      parameters: [
        { name: "placeId", in: "query", schema: { type: "integer", minimum: 1 } },
        { name: "status", in: "query", schema: { type: "string", enum: ["requested", "confirmed", "proposed", "declined", "cancelled", "done", "rated"] } },
      ],
      responses: { "200": ok("{bookings: [{number, status, statusLabel, place, service, slotAt, proposedAt, text, note, rating, actions}], statusLabels}"), ...errors },
    },
  },
  "/api/bookings/{number}/actions": {
    post: {
      summary: "处理一个预约：confirm 确认、propose 改约（at 为新时间，须在场所开放时间内）、decline 婉拒（note 为原因）、done 完成（随后请居民评价）、cancel 取消；居民会收到通知",
      parameters: [numberPath],
      requestBody: body(bookingActionSchema),
      responses: { "200": ok("处理后的预约"), "409": ok("当前状态不能执行该操作，或新时间不开放（message 给出可约时间）"), ...errors },
    },
  },
};
