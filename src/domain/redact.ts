// Personal data that must not be repeated in a group chat or written to logs: phone numbers, ID card numbers,
// exact room numbers. What remains (building, place) is what neighbours can already see.
const PATTERNS: [RegExp, string][] = [
  [/(?<!\d)\d{17}[\dXx](?!\d)/g, "[身份证号]"],
  [/(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g, "[手机号]"],
  [/(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g, "[电话]"],
  // 2单元501室, 501室, 3-2-501, 1802房
  [/\d+\s*单元\s*\d{3,4}\s*(室|房|号)?/g, "[房号]"],
  [/(?<![\d号楼栋幢])\d{3,4}\s*(室|房)/g, "[房号]"],
  [/(?<!\d)\d{1,3}-\d{1,2}-\d{3,4}(?!\d)/g, "[房号]"],
];

export function redactPersonalData(text: string): string {
  return PATTERNS.reduce((t, [re, mask]) => t.replace(re, mask), text);
}

export function containsPersonalData(text: string): boolean {
  return PATTERNS.some(([re]) => new RegExp(re.source).test(text));
}
