// The volunteers' and 党员中心户' admin routes in the OpenAPI description (openapi.ts spreads these into its paths),
// with bodies and queries from the zod schemas routes/adminVolunteers.ts validates with.
import { z } from "zod";
import { CASE_NUMBER_EXACT } from "../domain/case.ts";
import { adminErrors, body, idPath, ok } from "./openapiShared.ts";
import { householdSchema, householdUpdateSchema, volunteerSchema, volunteerUpdateSchema } from "../volunteers/registers.ts";
import { claimableSchema, claimForSchema, householdNoteSchema, rankingQuery, registerFileSchema } from "./adminVolunteers.ts";

const errors = adminErrors;
const admin = [{ session: [] }];
const caseNumber = { name: "number", in: "path", required: true, schema: { type: "string", pattern: CASE_NUMBER_EXACT.source }, example: "2026-000123" };
const ranking = z.toJSONSchema(rankingQuery, { io: "input" }) as { properties: Record<string, Record<string, unknown>> };

export const volunteerPaths = {
  "/api/admin/volunteers": {
    get: { summary: "志愿者与党员中心户名册、网格与楼栋、事项是否志愿者可认领、最近的认领任务", security: admin, responses: { "200": ok("{volunteers, households, areas, matters, tasks}"), ...errors } },
    post: { summary: "添加志愿者（联系方式为渠道加聊天账号；sharePhone 表示同意把电话告诉居民）", security: admin, requestBody: body(volunteerSchema), responses: { "201": ok("{id}"), ...errors } },
  },
  "/api/admin/volunteers/{id}": {
    patch: { summary: "修改或停用志愿者", security: admin, parameters: [idPath], requestBody: body(volunteerUpdateSchema), responses: { "200": ok("{id}"), ...errors } },
  },
  "/api/admin/volunteers/import": {
    post: {
      summary: "从 CSV/XLSX 导入志愿者（姓名、电话、同意告知电话、网格、渠道、聊天账号、类型、技能、服务时间、党员）",
      description: "同一网格同名的志愿者更新，其余新增；有问题的文件整体拒绝（422），列出每一行的问题。",
      security: admin,
      requestBody: body(registerFileSchema),
      responses: { "200": ok("{added, changed}"), "422": ok("{error: {message, errors: [{row, field, message}], errorCount}}"), ...errors },
    },
  },
  "/api/admin/volunteers/ranking": {
    get: {
      summary: "志愿者月度排行（按网格，服务时长多者在前）",
      security: admin,
      parameters: Object.entries(ranking.properties).map(([name, schema]) => ({ name, in: "query", schema })),
      responses: { "200": ok("{month, grids: [{gridId, gridName, volunteers: [{rank, volunteerId, name, tasks, hours}]}]}"), ...errors },
    },
  },
  "/api/admin/volunteers/matters/{code}": {
    patch: { summary: "设置事项是否志愿者可认领", security: admin, parameters: [{ name: "code", in: "path", required: true, schema: { type: "string" }, example: "YL02" }], requestBody: body(claimableSchema), responses: { "200": ok("{code, volunteerClaimable}"), ...errors } },
  },
  "/api/admin/volunteer-tasks/{number}/claim": {
    post: {
      summary: "替志愿者登记认领（电话认领）：与聊天中认领同样的规则（本网格、先到先得）",
      security: admin,
      parameters: [caseNumber],
      requestBody: body(claimForSchema),
      responses: { "200": ok("{number, volunteerId}"), "409": ok("已被认领、已过时限或已转交"), ...errors },
    },
  },
  "/api/admin/households": {
    post: { summary: "添加党员中心户及其联系的楼栋", security: admin, requestBody: body(householdSchema), responses: { "201": ok("{id}"), ...errors } },
  },
  "/api/admin/households/import": {
    post: {
      summary: "从 CSV/XLSX 导入党员中心户（户名、电话、联系户数、网格或社区、楼栋、渠道、聊天账号、备注）",
      description: "楼栋可写多个（用、分隔），按名称在该行的网格或社区中查找，也可写成“网格/楼栋”；同名的党员中心户更新（联系楼栋以文件为准），其余新增；有问题的文件整体拒绝（422），列出每一行的问题。",
      security: admin,
      requestBody: body(registerFileSchema),
      responses: { "200": ok("{added, changed}"), "422": ok("{error: {message, errors: [{row, field, message}], errorCount}}"), ...errors },
    },
  },
  "/api/admin/households/{id}": {
    patch: { summary: "修改党员中心户（buildingIds 为其联系的全部楼栋）", security: admin, parameters: [idPath], requestBody: body(householdUpdateSchema), responses: { "200": ok("{id}"), ...errors } },
  },
  "/api/admin/households/{id}/notes": {
    post: { summary: "登记党员中心户的备注或走访（仅限其联系楼栋的工单）", security: admin, parameters: [idPath], requestBody: body(householdNoteSchema), responses: { "201": ok("{number}"), ...errors } },
  },
};
