// GET /api/openapi.json — the HTTP API for other systems (a district platform, a 12345 system), with request
// bodies generated from the same zod schemas the routes validate with.
import Router from "@koa/router";
import { z } from "zod";
import { CASE_NUMBER_EXACT } from "../domain/case.ts";
import { httpMessageSchema } from "./httpChannel.ts";
import { actionSchema, listSchema } from "./cases.ts";
import { kpiQuery } from "./kpis.ts";
import { matterQuery } from "./reference.ts";
import { replyPreviewSchema, replySchema } from "./adminReplies.ts";
import { activateSchema, diffQuery, evaluationSchema, previewSchema, promptSchema } from "./adminPrompts.ts";
import { areaSchema, areaUpdateSchema, contactSchema, emergencyRuleSchema, emergencyRuleUpdateSchema, groupSchema, groupUpdateSchema, unitSchema } from "./adminOrg.ts";
import { createSchema, loginSchema, passwordSchema, updateSchema } from "./auth.ts";
import { volunteerPaths } from "./openapiVolunteers.ts";
import { placePaths } from "./openapiPlaces.ts";
import { hotspotPaths } from "./openapiHotspots.ts";
import { bookingPaths } from "./openapiBookings.ts";
import { rolePaths } from "./openapiRoles.ts";
import { adminMatterQuery, listApplySchema, listFileSchema, matterCreateSchema, matterUpdateSchema, restoreSchema, versionQuery } from "./adminList.ts";

const body = (schema: z.ZodType) => {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return { required: true, content: { "application/json": { schema: json } } };
};
/** Query parameters, from the zod schema the route parses its query with. */
const query = (schema: z.ZodObject) => {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties: Record<string, Record<string, unknown>> };
  // Dates (z.coerce.date) have no JSON Schema of their own: on the wire they are ISO strings.
  const orDate = (s: Record<string, unknown>) => (Object.keys(s).length ? s : { type: "string", format: "date-time" });
  return Object.entries(json.properties).map(([name, { description, ...schema }]) => ({ name, in: "query", ...(description ? { description } : {}), schema: orDate(schema) }));
};
const ok = (description: string) => ({ description });
const replyKey = { name: "key", in: "path", required: true, schema: { type: "string", pattern: "^[a-z_]+$" }, example: "progress_resolved" };
const idPath = { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } };
const caseNumber = { name: "number", in: "path", required: true, schema: { type: "string", pattern: CASE_NUMBER_EXACT.source }, example: "2026-000123" };
const errors = {
  "400": ok("请求无效：error.field 指出哪个字段"),
  "401": ok("未登录或令牌无效"),
  "403": ok("无权执行"),
  "404": ok("不存在，或不在调用者的范围内"),
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: { title: "民呼我应 API", version: "1", description: "社区诉求受理、工单跟进与考核评价。错误统一为 {error: {id, message, field?}}，message 为中文。" },
  components: {
    securitySchemes: {
      apiToken: { type: "http", scheme: "bearer", description: "npm run token:create 生成的令牌（承办单位或系统）；过期（默认 365 天）或被吊销后为 401" },
      session: { type: "apiKey", in: "cookie", name: "minhu_session", description: "控制台登录；修改类请求另需 x-csrf-token 请求头" },
    },
  },
  security: [{ apiToken: [] }, { session: [] }],
  paths: {
    "/health": { get: { summary: "数据库与各渠道的状态", security: [], responses: { "200": ok("正常"), "503": ok("数据库不可用") } } },
    "/api/channels/http/messages": {
      post: {
        summary: "HTTP 渠道：提交一条居民消息，返回机器人的回复和工单",
        description: "设置 HTTP_CHANNEL_TOKEN 时需 Bearer 令牌，否则只接受本机请求。同一 messageId 重复提交返回第一次的结果。",
        requestBody: body(httpMessageSchema),
        responses: { "200": ok("{replies, case?, outcome, ignored?}"), ...errors, "503": ok("同一条消息正由另一实例处理且未在 8 秒内完成（error.id = in_progress）：稍后重发，得到它的结果") },
      },
    },
    "/api/cases": {
      get: {
        summary: "调用者范围内的工单列表",
        parameters: query(listSchema),
        responses: { "200": ok("{total, page, pageSize, cases}；view=review 为待审核队列（置信度低者在前），并带分类依据和备选事项"), ...errors },
      },
    },
    "/api/cases/export.csv": { get: { summary: "工单导出（CSV，UTF-8 带 BOM），筛选条件同列表", parameters: query(listSchema.omit({ page: true, pageSize: true })), responses: { "200": ok("CSV"), ...errors } } },
    "/api/cases/export.xlsx": { get: { summary: "工单导出（XLSX），筛选条件同列表", parameters: query(listSchema.omit({ page: true, pageSize: true })), responses: { "200": ok("XLSX"), ...errors } } },
    "/api/cases/{number}": { get: { summary: "工单详情：时限、分类依据、全部事件", parameters: [caseNumber], responses: { "200": ok("工单"), ...errors } } },
    "/api/cases/{number}/attachments/{id}": {
      get: {
        summary: "工单的照片或语音文件（只对能看到该工单的人和令牌）；variant=mp3 为转换后可在浏览器播放的语音",
        parameters: [caseNumber, idPath, { name: "variant", in: "query", schema: { type: "string", enum: ["original", "mp3"] } }],
        responses: { "200": ok("文件（Content-Type 按内容识别）"), ...errors },
      },
    },
    "/api/cases/{number}/duplicates": { get: { summary: "疑似重复工单（同事项、同网格或楼栋、近 7 天）", parameters: [caseNumber], responses: { "200": ok("{duplicates}"), ...errors } } },
    "/api/cases/{number}/actions": {
      post: {
        summary: "对工单执行操作：签收、办理、办结、退单、备注、确认（可更正事项和主责单位）、派单、改派、结案、重办、合并、撤回、不予受理、拆分同诉",
        description: "承办单位只能 accept、start、resolve、return、note；不符合工单状态的操作返回 409 及中文原因。split（拆分同诉）：reporterId 为详情 reporters[].id，该居民的诉求另立一件工单并派单，原工单的 reporterCount 减一。",
        parameters: [caseNumber],
        requestBody: body(actionSchema),
        responses: { "200": ok("{number, status, statusLabel}"), "409": ok("当前状态不能执行该操作"), ...errors },
      },
    },
    "/api/kpis": {
      get: {
        summary: "考核评价：响应率、解决率、满意率、综合得分（含定义）",
        description: "groupBy=street / district 按街道、区汇总其下各网格的工单；areaId 只统计该区域（区、街道、社区）下网格的工单。区或街道管理员只看到本辖区的工单。",
        parameters: query(kpiQuery),
        responses: { "200": ok("{groupBy, groupLabel, total, definitions, rows}"), ...errors },
      },
    },
    "/api/kpis/export.xlsx": { get: { summary: "考核评价导出（XLSX，第二页为指标定义）", parameters: query(kpiQuery), responses: { "200": ok("XLSX"), ...errors } } },
    "/api/kpis/export.csv": { get: { summary: "考核评价导出（CSV）", parameters: query(kpiQuery), responses: { "200": ok("CSV"), ...errors } } },
    "/api/matters": { get: { summary: "职责清单事项检索（编码、名称、类别、关键词）", parameters: query(matterQuery), responses: { "200": ok("{total, matters}"), ...errors } } },
    "/api/units": { get: { summary: "承办单位列表", responses: { "200": ok("{units}"), ...errors } } },
    "/api/grids": { get: { summary: "网格列表（含所属社区、街道、区；区或街道管理员只列本辖区）", responses: { "200": ok("{grids}"), ...errors } } },
    "/api/admin/prompts": {
      get: { summary: "分类提示词的全部版本（管理员），含最近评测", security: [{ session: [] }], responses: { "200": ok("{llm, placeholders, versions}"), ...errors } },
      post: { summary: "保存为新版本（不启用）；占位符不合规返回 400", security: [{ session: [] }], requestBody: body(promptSchema), responses: { "201": ok("{id}"), ...errors } },
    },
    "/api/admin/prompts/{id}": { get: { summary: "一个版本的全文", security: [{ session: [] }], parameters: [idPath], responses: { "200": ok("{id, system, user, note, …}"), ...errors } } },
    "/api/admin/prompts/{id}/diff": { get: { summary: "与使用中版本（或 against 指定版本）的逐行差异", security: [{ session: [] }], parameters: [idPath, ...query(diffQuery)], responses: { "200": ok("{against, system, user}"), ...errors } } },
    "/api/admin/prompts/{id}/preview": {
      post: { summary: "用此版本分类一条诉求：原样请求、原始回答、解析结果、用时与 tokens", security: [{ session: [] }], parameters: [idPath], requestBody: body(previewSchema), responses: { "200": ok("{configured, requests, answers, parsed, error, ms, local}"), ...errors } },
    },
    "/api/admin/prompts/{id}/activate": {
      post: {
        summary: "启用此版本；从未启用过且评测不如当前版本（或无可比评测）时需 confirmed: true，回滚到曾启用的版本无需确认",
        security: [{ session: [] }],
        parameters: [idPath],
        requestBody: body(activateSchema),
        responses: { "200": ok("{id, active, comparison}"), "409": ok("needs_confirmation，error.comparison 为对比"), ...errors },
      },
    },
    "/api/admin/evaluations": { post: { summary: "开始评测（后台运行）：提示词版本（大模型）或本地分类器，评测集为已确认工单或上传文件", security: [{ session: [] }], requestBody: body(evaluationSchema), responses: { "202": ok("{id, total}"), ...errors } } },
    "/api/admin/evaluations/{id}": { get: { summary: "评测进度与结果：准确率、macro-F1、按事项、常见错分、调用与 tokens", security: [{ session: [] }], parameters: [idPath], responses: { "200": ok("{status, done, total, result}"), ...errors } } },
    "/api/admin/replies": { get: { summary: "全部回复文案：当前文本、默认文本、可用占位符、最近修改", security: [{ session: [] }], responses: { "200": ok("{replies}"), ...errors } } },
    "/api/admin/replies/{key}": { put: { summary: "保存一条回复文案的新版本（只能用默认文案中的占位符），下一条消息起生效", security: [{ session: [] }], parameters: [replyKey], requestBody: body(replySchema), responses: { "200": ok("{id, changed}"), ...errors } } },
    "/api/admin/replies/{key}/versions": { get: { summary: "一条回复文案的历史版本", security: [{ session: [] }], parameters: [replyKey], responses: { "200": ok("{versions}"), ...errors } } },
    "/api/admin/replies/{key}/preview": { post: { summary: "用示例值预览文案，并指出占位符问题", security: [{ session: [] }], parameters: [replyKey], requestBody: body(replyPreviewSchema), responses: { "200": ok("{problems, rendered}"), ...errors } } },
    "/api/admin/replies/{key}/reset": { post: { summary: "恢复为 prompts/replies 中的默认文案（记为新版本）", security: [{ session: [] }], parameters: [replyKey], responses: { "200": ok("{id, changed}"), ...errors } } },
    "/api/admin/org": { get: { summary: "区域层级及联系方式、承办单位及联系方式、服务的群", security: [{ session: [] }], responses: { "200": ok("{levels, areas, units, groups}"), ...errors } } },
    "/api/admin/groups/joined": { get: { summary: "运行中的机器人所在的群（标明是否已服务）", security: [{ session: [] }], responses: { "200": ok("{joined}"), ...errors } } },
    "/api/admin/areas": { post: { summary: "新增区域（上级须高一级）", security: [{ session: [] }], requestBody: body(areaSchema), responses: { "201": ok("{id}"), "409": ok("同名"), ...errors } } },
    "/api/admin/areas/{id}": {
      patch: { summary: "修改区域名称或上级", security: [{ session: [] }], parameters: [idPath], requestBody: body(areaUpdateSchema), responses: { "200": ok("{id}"), ...errors } },
      delete: { summary: "删除区域（有下级、群、单位或工单时 409）", security: [{ session: [] }], parameters: [idPath], responses: { "204": ok("已删除"), "409": ok("仍在使用"), ...errors } },
    },
    "/api/admin/areas/{id}/contacts": { post: { summary: "区域的督办联系方式（网格员、社区、街道）", security: [{ session: [] }], parameters: [idPath], requestBody: body(contactSchema), responses: { "201": ok("{id}"), ...errors } } },
    "/api/admin/area-contacts/{id}": { delete: { summary: "删除区域联系方式", security: [{ session: [] }], parameters: [idPath], responses: { "204": ok("已删除"), ...errors } } },
    "/api/admin/units": { post: { summary: "新增承办单位", security: [{ session: [] }], requestBody: body(unitSchema), responses: { "201": ok("{id}"), "409": ok("同名"), ...errors } } },
    "/api/admin/units/{id}": { patch: { summary: "修改承办单位", security: [{ session: [] }], parameters: [idPath], requestBody: body(unitSchema.partial()), responses: { "200": ok("{id}"), ...errors } } },
    "/api/admin/units/{id}/contacts": { post: { summary: "承办单位的联系方式：微信群、微信联系人、Webhook、电话", security: [{ session: [] }], parameters: [idPath], requestBody: body(contactSchema), responses: { "201": ok("{id}"), ...errors } } },
    "/api/admin/unit-contacts/{id}": { delete: { summary: "删除承办单位联系方式", security: [{ session: [] }], parameters: [idPath], responses: { "204": ok("已删除"), ...errors } } },
    "/api/admin/groups": { post: { summary: "服务一个群并指定所属网格", security: [{ session: [] }], requestBody: body(groupSchema), responses: { "201": ok("{id}"), "409": ok("已在名单中"), ...errors } } },
    "/api/admin/groups/{id}": {
      patch: { summary: "修改群的网格、名称或启用状态（下一条消息起生效）", security: [{ session: [] }], parameters: [idPath], requestBody: body(groupUpdateSchema), responses: { "200": ok("{id}"), ...errors } },
      delete: { summary: "不再服务该群", security: [{ session: [] }], parameters: [idPath], responses: { "204": ok("已删除"), ...errors } },
    },
    "/api/admin/emergency-rules": {
      get: { summary: "紧急规则：关键词、排除词、求助电话、安全提示（命中即先回复，不等待分类）", security: [{ session: [] }], responses: { "200": ok("{rules}"), ...errors } },
      post: { summary: "新增紧急规则（立即生效）", security: [{ session: [] }], requestBody: body(emergencyRuleSchema), responses: { "201": ok("{code}"), "409": ok("编码已存在"), ...errors } },
    },
    "/api/admin/emergency-rules/{code}": {
      put: {
        summary: "修改或停用紧急规则（立即生效）",
        security: [{ session: [] }],
        parameters: [{ name: "code", in: "path", required: true, schema: { type: "string" }, example: "fire" }],
        requestBody: body(emergencyRuleUpdateSchema),
        responses: { "200": ok("{code}"), ...errors },
      },
    },
    "/api/admin/channels": {
      get: {
        summary: "渠道状态（管理员）：是否配置、令牌是否可用、最近消息、最近错误、未送达条数、要填到服务号或企业微信后台的回调地址、个人微信登录二维码",
        security: [{ session: [] }],
        responses: { "200": ok("{publicUrl, ffmpeg, transcription, channels: [{name, label, configured, state, tokenOk, lastMessageAt, lastError, undeliverable, callbackUrl, qr}]}"), ...errors },
      },
    },
    "/api/admin/settings": {
      get: { summary: "运行设置：当前值、默认值、中文名称与说明", security: [{ session: [] }], responses: { "200": ok("{values, defaults, labels}"), ...errors } },
      patch: { summary: "修改部分设置（逐项校验，立即生效）", security: [{ session: [] }], requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } }, responses: { "200": ok("{values}"), ...errors } },
    },
    "/channels/wechat-mp": {
      get: { summary: "服务号服务器配置的 URL 验证：signature 正确时原样返回 echostr", security: [], responses: { "200": ok("echostr"), "401": ok("签名错误") } },
      post: {
        summary: "服务号消息回调（明文、兼容、安全模式）：5 秒内被动回复或 success，其余经客服消息或订阅通知发出",
        security: [],
        responses: { "200": ok("被动回复 XML 或 success"), "400": ok("XML 或密文无法读取"), "401": ok("签名错误，未保存任何内容"), "413": ok("超过 1 MB") },
      },
    },
    "/channels/wecom": {
      get: { summary: "企业微信接收消息的 URL 验证：返回解密后的 echostr", security: [], responses: { "200": ok("明文"), "401": ok("签名错误") } },
      post: { summary: "企业微信应用消息与微信客服事件回调（加密）", security: [], responses: { "200": ok("空"), "400": ok("XML 或密文无法读取"), "401": ok("签名错误"), "413": ok("超过 1 MB") } },
    },
    "/media/{id}": {
      get: {
        summary: "带签名的限时照片链接（发给不能收图片的单位）",
        security: [],
        parameters: [idPath, { name: "exp", in: "query", required: true, schema: { type: "integer" } }, { name: "sig", in: "query", required: true, schema: { type: "string" } }],
        responses: { "200": ok("照片"), "403": ok("链接无效或已过期") },
      },
    },
    "/r/{token}": {
      get: { summary: "满意度评价页（订阅通知中的链接，带签名）", security: [], parameters: [{ name: "token", in: "path", required: true, schema: { type: "string" } }], responses: { "200": ok("HTML"), "403": ok("链接无效或已过期") } },
      post: { summary: "提交满意度评价（表单：rating, reason）；工单本人不满意即重办，同诉居民的链接只记其本人的评价", security: [], parameters: [{ name: "token", in: "path", required: true, schema: { type: "string" } }], responses: { "200": ok("HTML"), "409": ok("已评价") } },
    },
    "/api/auth/login": {
      post: {
        summary: "控制台登录",
        description: "同一用户名失败 5 次、同一地址失败 20 次后，每次失败须等待 1、2、4、8、最多 15 分钟（Retry-After）。从该账号登录成功过的地址登录，不受别处失败的影响。user.mustChangePassword 为真时须先修改密码。",
        security: [],
        requestBody: body(loginSchema),
        responses: { "200": ok("{user, csrfToken, now}，并设置会话 Cookie"), "401": ok("用户名或密码错误"), "429": ok("登录尝试过于频繁，请 N 分钟后再试（error.retryAfterMinutes）") },
      },
    },
    "/api/auth/password": {
      post: {
        summary: "修改自己的密码：当前密码 + 新密码（至少 10 位，不同于用户名）；结束本人其他会话",
        security: [{ session: [] }],
        requestBody: body(passwordSchema),
        responses: { "200": ok("{ok, sessionsEnded}"), ...errors, "400": ok("当前密码不正确，或新密码不合要求"), "429": ok("尝试过于频繁") },
      },
    },
    "/api/auth/logout": { post: { summary: "退出登录", security: [{ session: [] }], responses: { "204": ok("已退出") } } },
    "/api/auth/me": { get: { summary: "当前登录用户", security: [{ session: [] }], responses: { "200": ok("{user, csrfToken, now}：now 为服务端时间"), "401": ok("未登录") } } },
    "/api/users": {
      get: { summary: "账号列表（管理员；区或街道管理员只列本辖区的工作人员）", security: [{ session: [] }], responses: { "200": ok("{users}"), ...errors } },
      post: {
        summary: "创建账号（管理员），返回只显示一次的初始密码",
        description: "areaId：管理员的管理范围（一个区或街道），不填为全市。区或街道管理员只能为本辖区的网格和单位创建工作人员账号，不能创建管理员（403）。",
        security: [{ session: [] }],
        requestBody: body(createSchema),
        responses: { "201": ok("{id, username, password}"), "409": ok("用户名已被使用"), ...errors },
      },
    },
    "/api/users/{id}": {
      patch: {
        summary: "停用或启用账号（管理员）；停用即结束其所有会话",
        security: [{ session: [] }],
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        requestBody: body(updateSchema),
        responses: { "200": ok("{id, disabled}"), ...errors },
      },
    },
    "/api/users/{id}/password": {
      post: {
        summary: "重置他人密码（管理员）：生成只显示一次的新密码，结束其所有会话；对方登录后须改为自己的密码",
        security: [{ session: [] }],
        parameters: [idPath],
        responses: { "200": ok("{id, username, password, sessionsEnded}"), ...errors },
      },
    },
    "/api/tokens": {
      get: { summary: "API 令牌列表（管理员）：名称、角色与单位、创建、到期、最近使用（精确到分钟）、状态；不含令牌本身", security: [{ session: [] }], responses: { "200": ok("{tokens: [{id, name, role, unit, createdAt, expiresAt, lastUsedAt, revokedAt, status}]}"), ...errors } },
    },
    "/api/tokens/{id}/revoke": {
      post: { summary: "吊销 API 令牌（管理员），立即生效：此后使用它的请求一律 401", security: [{ session: [] }], parameters: [idPath], responses: { "200": ok("{id, name, revokedAt}"), ...errors } },
    },
    "/api/admin/matters": {
      get: { summary: "职责清单事项（管理员）：检索、分页，可含已停用事项", security: [{ session: [] }], parameters: query(adminMatterQuery), responses: { "200": ok("{total, page, pageSize, counts, version, matters}"), ...errors } },
      post: { summary: "新增事项（管理员），须填写原因；写入新的清单版本", security: [{ session: [] }], requestBody: body(matterCreateSchema), responses: { "201": ok("{matter, versionId, fields}"), "409": ok("编码已存在"), ...errors } },
    },
    "/api/admin/matters/{code}": {
      put: {
        summary: "修改事项（管理员）：名称、类别、关键词、主责与配合单位、时限、需定位、启用；须填写原因，写入新的清单版本",
        security: [{ session: [] }],
        parameters: [{ name: "code", in: "path", required: true, schema: { type: "string" } }],
        requestBody: body(matterUpdateSchema),
        responses: { "200": ok("{matter, versionId, fields}；没有变化时 versionId 为 null"), ...errors },
      },
    },
    "/api/admin/list/preview": {
      post: {
        summary: "预览导入 CSV/XLSX 清单（管理员）：新增、修改（含字段前后值）、停用的事项，逐行问题，将新建的单位；不写入",
        description: "content 为文件内容的 base64（不超过 5 MB；最多 5000 个事项，超过时 422 too_many_rows，读到第 5001 个事项即停止；XLSX 解压后不超过 40 MB，否则 422 unpacked_too_large，在解压之前即拒绝）。errors 只列前 100 处问题，errorCount 为总数。表头与 npm run list:import 相同（中文或英文）；主责单位和两项时限必填。mode=replace 时文件即完整清单，文件中没有的事项将停用；strictUnits 时不认识的单位算作错误。",
        security: [{ session: [] }],
        requestBody: body(listFileSchema),
        responses: { "200": ok("{fileName, mode, added, changed, removed, unchanged, newUnits, errors: [{row, field, message}]（前 100 处）, errorCount}"), ...errors },
      },
    },
    "/api/admin/list/apply": {
      post: {
        summary: "导入 CSV/XLSX 清单（管理员）：重新校验后在一个事务中写入，并记录版本（操作人、原因、变化、完整清单）",
        security: [{ session: [] }],
        requestBody: body(listApplySchema),
        responses: { "200": ok("{versionId, added, changed, removed, unchanged, newUnits}；没有变化时 versionId 为 null"), "422": ok("有问题的行：error.errors（前 100 处）与 error.errorCount，未写入任何数据；或文件超出限制（error.id 为 too_many_rows、unpacked_too_large、file_too_large）"), ...errors },
      },
    },
    "/api/admin/list/export.xlsx": { get: { summary: "导出当前职责清单（XLSX，列与导入相同，可改后再导入）", security: [{ session: [] }], responses: { "200": ok("XLSX"), ...errors } } },
    "/api/admin/list/export.csv": { get: { summary: "导出当前职责清单（CSV，UTF-8 带 BOM）", security: [{ session: [] }], responses: { "200": ok("CSV"), ...errors } } },
    "/api/admin/list/versions": { get: { summary: "清单版本历史（管理员）：谁、何时、为何、变化数", security: [{ session: [] }], parameters: query(versionQuery), responses: { "200": ok("{total, page, pageSize, versions}"), ...errors } } },
    "/api/admin/list/versions/{id}": {
      get: {
        summary: "一个清单版本：变化明细和当时的完整清单，以及按此版本分类的工单数",
        security: [{ session: [] }],
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
        responses: { "200": ok("{id, authorName, reason, source, changes, snapshot, counts, cases, createdAt}"), ...errors },
      },
    },
    "/api/admin/list/versions/{id}/restore": {
      post: {
        summary: "把清单恢复到该版本之后的样子（之后新增的停用、停用的恢复），记为新版本",
        security: [{ session: [] }],
        parameters: [idPath],
        requestBody: body(restoreSchema),
        responses: { "200": ok("{versionId, added, changed, removed}；与该版本相同时 versionId 为 null"), ...errors },
      },
    },
    ...volunteerPaths,
    ...placePaths,
    ...hotspotPaths,
    ...bookingPaths,
    ...rolePaths,
  },
};

export function openApiRoutes(): Router {
  const router = new Router();
  router.get("/api/openapi.json", (ctx) => {
    ctx.body = openApiDocument;
  });
  return router;
}
