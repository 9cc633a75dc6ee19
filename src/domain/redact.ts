// Personal data that must not be repeated in a group chat, written to logs or sent to the LLM provider: phone
// numbers, ID card and bank card numbers, plate numbers, exact room numbers, e-mail and WeChat ids, and the
// names of the people concerned when the caller knows them. What remains (building, place) is what neighbours
// can already see.
const PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

const PATTERNS: [RegExp, string][] = [
  [/(?<!\d)\d{17}[\dXx](?!\d)/g, "[身份证号]"],
  // Bank cards: 16–19 digits in one run, or in groups of four (6222 0212 3456 7890 123).
  [/(?<!\d)\d{16,19}(?!\d)/g, "[银行卡号]"],
  [/(?<![\d-])\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?(?![\d-])/g, "[银行卡号]"],
  [/(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g, "[手机号]"],
  [/(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g, "[电话]"],
  // 沪A12345, 京AD12345 (new energy), 粤B1234学; at least three digits, so a word such as 新App is left alone.
  [new RegExp(`[${PROVINCES}][A-Za-z][·•\\s]?(?=(?:[A-Za-z]*\\d){3})[A-Za-z0-9]{4,5}[A-Za-z0-9挂学警港澳](?![A-Za-z0-9])`, "g"), "[车牌号]"],
  [/[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, "[邮箱]"],
  [/((?:微信|weixin|vx|wx|VX|WX|Vx)号?(?:是|为)?\s*[:：]?\s*)[A-Za-z][-_A-Za-z0-9]{5,19}/g, "$1[微信号]"],
  // 2单元501室, 501室, 3-2-501, 1802房, 3号楼502, 12栋1003
  [/\d+\s*单元\s*\d{3,4}\s*(室|房|号)?/g, "[房号]"],
  [/(?<![\d号楼栋幢])\d{3,4}\s*(室|房)/g, "[房号]"],
  [/(?<!\d)\d{1,3}-\d{1,2}-\d{3,4}(?!\d)/g, "[房号]"],
  [/(?<=(?:号楼|栋|幢|座)\s*)\d{3,4}(?![\d.]|\s*(?:元|米|平|块|斤|次|个|天|年|人|户|多|万|千|百|%))/g, "[房号]"],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The text with personal data masked. `names` are the people's own names the text may contain (a resident's
 * display name); a name shorter than two characters is left, as it would mask ordinary words.
 */
export function redactPersonalData(text: string, names: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const name of new Set(names.map((n) => n?.trim() ?? "").filter((n) => [...n].length >= 2))) {
    out = out.replace(new RegExp(escape(name), "gi"), "[姓名]");
  }
  return PATTERNS.reduce((t, [re, mask]) => t.replace(re, mask), out);
}

export function containsPersonalData(text: string): boolean {
  return PATTERNS.some(([re]) => new RegExp(re.source, re.flags.replace("g", "")).test(text));
}
