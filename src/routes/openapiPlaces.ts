// The service places' routes in the OpenAPI description (openapi.ts spreads these into its paths), with bodies from
// the zod schemas routes/adminPlaces.ts and places/service.ts validate with.
import { placeSchema, placeUpdateSchema } from "../places/service.ts";
import { contactSchema } from "./adminOrg.ts";
import { placeFileSchema } from "./adminPlaces.ts";
import { adminErrors as errors, body, idPath, ok } from "./openapiShared.ts";

const admin = [{ session: [] }];
const fileNote = "content 为文件内容的 base64（不超过 5 MB）。每行一个场所，按编码新增或修改；表头：编码,名称,类型,地址,电话,别名,所属区域,服务区域,周一…周日,节假日,服务,备注,启用。开放时间写成 11:00-12:30、17:00-18:00（空或“休息”为不开放）；服务写成 名称|价格|可预约，多项用；分隔；区域按名称。";

export const placePaths = {
  "/api/places": { get: { summary: "启用的社区服务场所（地址、开放时间、节假日时间、服务与价格），不含工作人员联系方式；工作人员与工作人员令牌可读，承办单位不可", responses: { "200": ok("{places}"), ...errors } } },
  "/api/admin/places": {
    get: { summary: "全部服务场所（管理员）：含服务、工作人员联系方式、类型与星期名称、导入表头", security: admin, responses: { "200": ok("{kinds, weekdays, fileHeader, places}"), ...errors } },
    post: { summary: "新增服务场所（管理员）：名称、类型、地址、电话、别名、所属与服务区域、每周开放时间、节假日时间、服务（价格、可否预约）", security: admin, requestBody: body(placeSchema), responses: { "201": ok("{id}"), "409": ok("编码已存在"), ...errors } },
  },
  "/api/admin/places/{id}": {
    patch: { summary: "修改服务场所（管理员）；services 给出时为完整的新服务列表（同名修改、新增，缺少的停用）；active=false 停用场所", security: admin, parameters: [idPath], requestBody: body(placeUpdateSchema), responses: { "200": ok("{id}"), ...errors } },
  },
  "/api/admin/places/{id}/contacts": {
    post: { summary: "给场所添加工作人员联系方式（工作群、联系人、Webhook、电话）", security: admin, parameters: [idPath], requestBody: body(contactSchema), responses: { "201": ok("{id}"), ...errors } },
  },
  "/api/admin/place-contacts/{id}": { delete: { summary: "删除场所的一个联系方式", security: admin, parameters: [idPath], responses: { "204": ok("已删除"), ...errors } } },
  "/api/admin/places/import/preview": {
    post: { summary: "预览导入 CSV/XLSX 场所文件（管理员）：将新增、修改的场所，逐行问题；不写入", description: fileNote, security: admin, requestBody: body(placeFileSchema), responses: { "200": ok("{places: [{code, name, isNew, services}], errors: [{row, field, message}]（前 100 处）, errorCount}"), ...errors } },
  },
  "/api/admin/places/import": {
    post: { summary: "导入 CSV/XLSX 场所文件（管理员）：全部行无误时在一个事务中写入，否则整个文件拒绝", description: fileNote, security: admin, requestBody: body(placeFileSchema), responses: { "200": ok("{added, changed}"), "422": ok("有问题的行：error.errors（前 100 处）与 error.errorCount，未写入任何数据"), ...errors } },
  },
};
