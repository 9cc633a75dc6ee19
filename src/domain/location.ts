// Finds where an appeal is about in its text: a building (3号楼, 2栋), a road, or a named spot in a compound.
const NUM = "(?:\\d{1,3}|[一二三四五六七八九十百]{1,4})";
const BUILDING = new RegExp(`${NUM}\\s*(?:号楼|号院|栋|幢|座|号楼栋)(?:\\s*${NUM}\\s*单元)?`, "g");
const ROAD = /[\p{Script=Han}]{1,6}(?:路|街|大道|巷|胡同)(?:\d+号)?(?![\p{Script=Han}]{0,1}灯)/gu;
const SPOT = /(?:东门|西门|南门|北门|正门|大门|侧门|后门|门口|路口|十字路口|广场|停车场|地下室|地下车库|车库|楼道|楼下|楼上|楼顶|天台|对面|隔壁|附近|[东西南北]边|[东西南北]侧|绿化带|垃圾站|菜市场|公园|学校门口|幼儿园|\d+\s*单元|[一二三四五六七八九十\d]+楼(?!下|上|道|顶)|小区[\p{Script=Han}]{0,4}(?:门|口|旁|边|里))/gu;

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function cnToNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === "十") return 10;
  const m = /^([一二三四五六七八九])?十([一二三四五六七八九])?$/.exec(s);
  if (m) return (m[1] ? CN_DIGITS[m[1]] : 1) * 10 + (m[2] ? CN_DIGITS[m[2]] : 0);
  return s.length === 1 && CN_DIGITS[s] ? CN_DIGITS[s] : null;
}

/** The building mentioned, if any: its number and the word used ("三号楼" → 3, 号楼). */
export function buildingMention(text: string): { number: number; word: string } | null {
  const m = new RegExp(`(${NUM})\\s*(号楼|栋|幢|座)`).exec(text);
  const n = m ? cnToNumber(m[1]) : null;
  return n === null ? null : { number: n, word: m![2] };
}

/** The building number mentioned, if any ("三号楼" → 3). */
export function buildingNumber(text: string): number | null {
  return buildingMention(text)?.number ?? null;
}

/** The place fragments found, joined ("3号楼 / 北门"), or null when the text names no place. */
export function findLocation(text: string): string | null {
  const found = [...(text.match(BUILDING) ?? []), ...(text.match(ROAD) ?? []), ...(text.match(SPOT) ?? [])].map((s) => s.trim());
  const unique = [...new Set(found)].filter((s, i, all) => !all.some((o, j) => j !== i && o.length > s.length && o.includes(s)));
  return unique.length ? unique.join(" / ") : null;
}
