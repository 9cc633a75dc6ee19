// How imported rows become matters and units: a stable code for a matter without one, the kind of a unit from its
// name, the limits a row without them gets. Writing is in versions.ts (every change is a version).
import { createHash } from "node:crypto";

export const DEFAULT_RESPONSE_HOURS = 24;
export const DEFAULT_RESOLVE_DAYS = 5;
/** The limits of a case without a matter (or a matter without its own). */
export const DEFAULT_LIMITS = { responseHours: DEFAULT_RESPONSE_HOURS, resolveDays: DEFAULT_RESOLVE_DAYS };

export function unitKind(name: string): string {
  if (/物业/.test(name)) return "property";
  if (/居委会|居民委员会|村委会/.test(name)) return "committee";
  if (/街道办|街道办事处|^.*街道$/.test(name)) return "street_office";
  if (/供电|供水|自来水|燃气|水务|电力/.test(name)) return "utility";
  return "department";
}

/** A stable code for a matter imported without one (its category too, where names repeat: 其他 under many). */
export function codeForName(name: string, category = ""): string {
  return "M-" + createHash("sha1").update(category ? `${category}/${name}` : name).digest("hex").slice(0, 6).toUpperCase();
}
