// What a message addressed to the bot is: pure functions over its text, so they are cheap and tested alone.
import { CASE_NUMBER_PATTERN } from "../domain/case.ts";

export interface EmergencyRuleData {
  code: string;
  name: string;
  keywords: string[];
  excludes: string[];
  hotline: string;
  advice: string;
}

/** The first emergency rule the text triggers: one of its words, and none of the words that rule it out. */
export function detectEmergency(text: string, rules: EmergencyRuleData[]): EmergencyRuleData | null {
  for (const rule of rules) {
    if (rule.keywords.some((k) => text.includes(k)) && !rule.excludes.some((e) => text.includes(e))) return rule;
  }
  return null;
}

/** Removes the @mention of the bot (WeChat puts a U+2005 space after it) and a trigger prefix. */
export function stripAddress(text: string, botName: string, prefixes: string[]): { text: string; prefixed: boolean; mentioned: boolean } {
  let t = text.trim();
  const mention = new RegExp(`@${botName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\s\\u2005]*`, "g");
  const mentioned = mention.test(t);
  t = t.replace(mention, " ").trim();
  const prefix = prefixes.find((p) => t.startsWith(p));
  if (prefix) t = t.slice(prefix.length).replace(/^[\s:：,，]+/, "");
  return { text: t.trim(), prefixed: Boolean(prefix), mentioned };
}

export type SmallTalk = "help" | "thanks" | "my_cases";

const HELP_WORDS = "怎么用|怎么使用|帮助|你是谁|你能做什么|能做什么|help|使用说明";
const HELP_OPENS = new RegExp(`^(请问|你好|您好)?(${HELP_WORDS})`, "i");
const HELP_ENDS = new RegExp(`(${HELP_WORDS})(呢|啊|呀|吗)?$`, "i");

// An opening and nothing else: whom it is for, greetings, and "I want to report a problem". A title after other
// words only with 尊敬的 before them (尊敬的周辉县长) or a name of up to three characters (张市长), so that the
// words of an appeal are never taken for a name ("电梯坏了找社区" stays an appeal).
const TITLES = "领导|书记|市长|县长|区长|镇长|乡长|村长|局长|厅长|处长|科长|主任|部长|同志|工作人员|网格员|管家|客服";
const PLACES = "社区|居委会|村委会|街道|物业|物业公司";
const ADDRESSEE = `(?:(?:尊敬|敬爱|亲爱)的?[\\p{Script=Han}A-Za-z0-9]{0,8}?(?:${TITLES}|${PLACES})|(?:各位|各级)?\\p{Script=Han}{0,3}?(?:${TITLES})|${PLACES})(?:们|大人|先生|同志)?好?`;
const GREETING = "你好|您好|你们好|您们好|大家好|新年好|早上好|上午好|中午好|下午好|晚上好|在吗|在不在|有人吗|打扰了|打扰一下|不好意思|请问一下|请问";
const REPORTING = "(?:我|本人|我们)?(?:想|要)?(?:反映|反应|咨询|投诉|请教|问)(?:一下)?(?:一个|个|一些|几个)?(?:问题|情况|事情|事)?";
const OPENING_ONLY = new RegExp(`^(?:${ADDRESSEE})?(?:${GREETING}|${REPORTING})*$`, "u");

export function recogniseSmallTalk(text: string): SmallTalk | null {
  const t = text.replace(/[\s!！。.~～?？,，:：、;；]+/g, "");
  if (t.length === 0) return "help";
  if (/^(你好|您好|在吗|在不在|有人吗|hi|hello|哈喽|嗨|早上好|上午好|下午好|晚上好|早|早安)(呀|啊|哦)?$/i.test(t)) return "help";
  // Asking how to use the bot opens or ends a short message ("怎么用", "请问你能做什么"); mid-sentence the words are
  // part of an appeal ("……帮助建筑方……").
  if (t.length <= 15 && (HELP_OPENS.test(t) || HELP_ENDS.test(t))) return "help";
  // Only an opening ("尊敬的领导，您好！我想反映一个问题"): no problem to classify yet, so the help text asks for it.
  if (t.length <= 40 && OPENING_ONLY.test(t)) return "help";
  if (/^(谢谢|多谢|感谢|辛苦了|辛苦|好的|收到|知道了|明白了|ok|嗯嗯?|好)(你|您|了|啦|哈)*$/i.test(t)) return "thanks";
  if (/(进度|进展|怎么样了|处理得怎么样|有结果了吗|我的诉求|我的工单|办得怎么样)/.test(t) && t.length <= 20) return "my_cases";
  return null;
}

export function quotedCaseNumber(text: string): string | null {
  const m = CASE_NUMBER_PATTERN.exec(text);
  return m ? m[0] : null;
}
