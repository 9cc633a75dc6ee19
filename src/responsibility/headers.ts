// The list's header sets (English and Chinese, and a three-level classification): which column holds which field.
import { ListImportError } from "./limits.ts";

/** Header → field. Columns not named here are ignored. */
const HEADERS: Record<string, keyof RawRow> = {
  code: "code",
  编码: "code",
  事项编码: "code",
  name: "name",
  事项名称: "name",
  事项: "name",
  category: "category",
  类别: "category",
  description: "description",
  说明: "description",
  keywords: "keywords",
  关键词: "keywords",
  lead_unit: "leadUnit",
  主责单位: "leadUnit",
  cooperating_units: "cooperatingUnits",
  配合单位: "cooperatingUnits",
  response_hours: "responseHours",
  响应时限: "responseHours",
  resolve_days: "resolveDays",
  办结时限: "resolveDays",
  examples: "examples",
  示例诉求: "examples",
  needs_location: "needsLocation",
  需定位: "needsLocation",
  volunteer_claimable: "volunteerClaimable",
  志愿者可认领: "volunteerClaimable",
  // A three-level classification (一级分类, 二级分类, 三级分类) loads as a list: the third level is the matter.
  三级分类: "name",
  二级分类: "level2",
  一级分类: "level1",
};

export type RawRow = Partial<Record<
  "code" | "name" | "category" | "description" | "keywords" | "leadUnit" | "cooperatingUnits" | "responseHours" | "resolveDays" | "examples" | "needsLocation" | "volunteerClaimable" | "level1" | "level2",
  string
>>;

/** The field each column holds (undefined: ignored); a header without a name column is refused. */
export function headerFields(header: string[]): (keyof RawRow | undefined)[] {
  const columns = header.map((h) => HEADERS[h.trim()] ?? HEADERS[h.trim().toLowerCase()]);
  if (!columns.includes("name")) {
    throw new ListImportError([{ line: 1, field: "表头", message: "缺少“事项名称”（name）列" }]);
  }
  return columns;
}
