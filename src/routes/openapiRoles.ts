// The territorial list (属地) in the OpenAPI description (openapi.ts spreads these into its paths): the roles and
// who fills them where (routes/adminRoles.ts), and the previews of which units a matter reaches at a place.
import { CASE_NUMBER_EXACT } from "../domain/case.ts";
import { fillerSchema, roleSchema, roleUpdateSchema } from "./adminRoles.ts";
import { adminErrors, body, idPath, ok } from "./openapiShared.ts";

const admin = [{ session: [] }];
const areaPath = { name: "areaId", in: "path", required: true, schema: { type: "integer", minimum: 1 } };
const units =
  "units: {lead: {unit, role, area, source, text} | null, cooperating: [同上], unresolved: [{slot, role, reason}]}；source 为 fixed（清单指定的单位）、role（按属地确定：role 由 area 指定的 unit 承担）或 worker（工作人员指定）；" +
  "unresolved 列出在该地点无法确定承办单位的角色及原因（不知道地点，或该区域及其上级都没有指定）";

export const rolePaths = {
  "/api/admin/roles": {
    get: {
      summary: "属地角色（如“属地街道综合行政执法队”“小区物业”）及各区域由哪个单位承担；下级区域未指定时沿用上级的",
      security: admin,
      responses: { "200": ok("{roles: [{id, code, name, description, matters, fillers: [{area: {id, name, level}, unit: {id, name}}]}]}"), ...adminErrors },
    },
    post: {
      summary: "新增属地角色；名称不能与单位重名（职责清单按名称识别单位或角色）",
      security: admin,
      requestBody: body(roleSchema),
      responses: { "201": ok("{id}"), "409": ok("编码或名称已被使用，或与单位重名"), ...adminErrors },
    },
  },
  "/api/admin/roles/{id}": {
    patch: { summary: "修改角色名称或说明", security: admin, parameters: [idPath], requestBody: body(roleUpdateSchema), responses: { "200": ok("{id}"), "409": ok("名称已被使用"), ...adminErrors } },
    delete: { summary: "删除职责清单不再使用的角色", security: admin, parameters: [idPath], responses: { "204": ok("已删除"), "409": ok("清单中仍有事项使用该角色"), ...adminErrors } },
  },
  "/api/admin/roles/{id}/fillers/{areaId}": {
    put: {
      summary: "指定该区域（及其下级，除非下级另有指定）由哪个单位承担该角色；已指定的被替换",
      security: admin,
      parameters: [idPath, areaPath],
      requestBody: body(fillerSchema),
      responses: { "200": ok("{roleId, areaId, unitId}"), ...adminErrors },
    },
    delete: { summary: "取消该区域自己的指定，改由上级区域的指定承担", security: admin, parameters: [idPath, areaPath], responses: { "204": ok("已取消"), ...adminErrors } },
  },
  "/api/cases/{number}/units": {
    get: {
      summary: "预览：某事项在该工单的地点会派给哪些单位、如何确定（更正事项或确认前查看）；承办单位令牌不可用",
      parameters: [
        { name: "number", in: "path", required: true, schema: { type: "string", pattern: CASE_NUMBER_EXACT.source } },
        { name: "matter", in: "query", required: true, schema: { type: "string" }, description: "事项编码" },
      ],
      responses: { "200": ok(`{matter: {code, name}, ${units}}`), "403": ok("承办单位不能预览"), "404": ok("工单或事项不存在") },
    },
  },
  "/api/matters/{code}/units": {
    get: {
      summary: "预览：某事项在某区域（任一层级）会派给哪些单位、如何确定；不带 areaId 时只有清单指定的固定单位",
      parameters: [
        { name: "code", in: "path", required: true, schema: { type: "string" } },
        { name: "areaId", in: "query", required: false, schema: { type: "integer", minimum: 1 } },
      ],
      responses: { "200": ok(`{matter: {code, name}, ${units}}`), "403": ok("承办单位不能查看"), "404": ok("事项不存在") },
    },
  },
};
