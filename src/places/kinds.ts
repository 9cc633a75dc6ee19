// What kinds of service place a community runs, what people call them, and the words that name one in a question.
export const PLACE_KINDS = ["canteen", "youth", "party", "women", "elderly", "health", "service_center", "other"] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

/** The kind as administrators read it. */
export const KIND_LABELS: Record<PlaceKind, string> = {
  canteen: "老年食堂 / 助餐点",
  youth: "青年之家",
  party: "党员活动阵地（老党员工作室等）",
  women: "妇女之家",
  elderly: "养老服务（日间照料等）",
  health: "社区卫生服务站",
  service_center: "党群服务中心 / 便民服务中心",
  other: "其他",
};

/**
 * Words residents use for a kind of place when they do not say its name. Longer words first, so "社区医院" is
 * seen before a shorter word inside it could be.
 */
export const KIND_WORDS: Record<PlaceKind, string[]> = {
  canteen: ["老年食堂", "老年餐桌", "助餐点", "助餐", "食堂", "开饭", "吃饭", "午饭", "晚饭", "午餐", "晚餐", "用餐", "就餐"],
  youth: ["青年之家"],
  party: ["老党员工作室", "党员工作室"],
  women: ["妇女之家"],
  elderly: ["日间照料中心", "日间照料", "托老所", "养老服务站"],
  health: ["社区卫生服务站", "卫生服务站", "社区卫生站", "社区医院", "卫生站", "医务室"],
  service_center: ["党群服务中心", "党群中心", "便民服务中心"],
  other: [],
};

/** Label → kind, for files that say "老年食堂" rather than "canteen". */
export function kindOf(value: string): PlaceKind | null {
  const v = value.trim();
  if ((PLACE_KINDS as readonly string[]).includes(v)) return v as PlaceKind;
  for (const kind of PLACE_KINDS) {
    if (KIND_LABELS[kind].split(" / ").includes(v) || KIND_WORDS[kind].includes(v)) return kind;
  }
  return null;
}
