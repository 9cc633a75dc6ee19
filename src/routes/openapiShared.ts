// The OpenAPI description's small parts that every section uses: a request body from a zod schema, a response, an
// id in the path, the usual errors.
import { z } from "zod";

export const body = (schema: z.ZodType) => {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return { required: true, content: { "application/json": { schema: json } } };
};
export const ok = (description: string) => ({ description });
export const idPath = { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } };
export const adminErrors = { "400": ok("请求无效：error.field 指出哪个字段"), "401": ok("未登录"), "403": ok("仅管理员"), "404": ok("不存在") };
