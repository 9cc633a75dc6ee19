// Chinese text → features: jieba words (search mode) and character bigrams, which keep short chat texts and
// words missing from the dictionary comparable.
import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";

let jieba: Jieba | undefined;
/** One jieba instance for the process: its dictionary takes a moment and some memory to load. */
export const segmenter = () => (jieba ??= Jieba.withDict(dict));

const STOPWORDS = new Set(
  "的 了 是 在 我 我们 你 你们 他 她 它 们 和 与 及 也 都 就 还 又 很 太 好 吗 呢 吧 啊 呀 哦 嗯 这 那 这个 那个 有 没 没有 不 一 个 把 被 给 让 请 麻烦 一下 一直 已经 现在 今天 昨天 天天 每天 大家 什么 怎么 为什么 能不能 可以 能 要 想 说 问 谢谢 您好 你好".split(" "),
);
const CJK_OR_WORD = /[\p{Script=Han}\p{L}\p{N}]/u;

export function words(text: string): string[] {
  return segmenter()
    .cutForSearch(text, true)
    .filter((w) => CJK_OR_WORD.test(w) && !STOPWORDS.has(w) && !/^\d+$/.test(w));
}

export function features(text: string): string[] {
  const out = words(text).map((w) => "w:" + w);
  const han = text.replace(/[^\p{Script=Han}]+/gu, " ");
  for (const run of han.split(" ")) {
    for (let i = 0; i + 1 < run.length; i++) out.push("b:" + run.slice(i, i + 2));
  }
  return out;
}
