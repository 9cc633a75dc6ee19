// The review queue (待审核): the cases the bot was unsure of or that a unit returned, least confident first, each
// confirmed, corrected or rejected on its card.
import { api, attempt, fmt, h, hooks, pct, refreshReviewCount, SOURCE_LABELS, statusPill, toast, view } from "./lib.js";
import { act, matterPicker } from "./case-actions.js";

export default async function reviewView() {
  const data = await api("GET", "/api/cases?view=review&pageSize=50");
  const list = h("div", {});
  const header = h("div", { class: "row spread" }, h("h1", {}, `待审核（${data.total}）`), h("span", { class: "muted small" }, "机器人不确定或被退回的工单，置信度低的在前"));
  if (!data.cases.length) list.append(h("p", { class: "empty" }, "待审核队列已清空 👍"));
  for (const c of data.cases) list.append(reviewCard(c, data.confirmDispatches));
  view.replaceChildren(header, list);
}

function reviewCard(c, dispatches = true) {
  const confirmLabel = dispatches ? "确认并派单" : "确认";
  const done = async (message) => {
    view.querySelector(`.review-card[data-number="${c.number}"]`)?.remove();
    toast(message);
    refreshReviewCount();
    if (!view.querySelector(".review-card")) hooks.route();
  };
  const cls = c.classification;
  const confirm = h("button", { class: "primary", disabled: !c.matter, onclick: () => attempt(() => act(c.number, { action: "confirm" }).then(() => done(`${c.number} 已${confirmLabel}`))) }, confirmLabel);
  const picker = h("div", {});
  return h(
    "article",
    { class: "card review-card", dataset: { number: c.number } },
    h("div", { class: "row spread" }, h("a", { href: `#/cases/${c.number}` }, c.number), statusPill(c), h("span", { class: "muted small" }, `${c.grid ?? "未知网格"} · ${fmt(c.createdAt)}`)),
    h("p", { class: "appeal" }, c.text),
    c.location ? h("p", { class: "muted small" }, `地点：${c.location}`) : null,
    h(
      "p",
      {},
      "机器人判断：",
      h("b", {}, c.matter ? `${c.matter.name}（${c.matter.code}）` : "未能归类"),
      " → ",
      c.leadUnit ?? "—",
      "　",
      cls.source === "pending" ? null : h("span", { class: "conf", title: `置信度 ${pct(cls.confidence)}` }, h("i", { style: `width:${Math.round(cls.confidence * 100)}%` })),
      h("span", { class: "muted small" }, cls.source === "pending" ? ` ${SOURCE_LABELS.pending}` : ` ${pct(cls.confidence)} · ${SOURCE_LABELS[cls.source] ?? cls.source}`),
    ),
    cls.source === "pending" ? h("p", { class: "small" }, "居民发来的是语音，", h("a", { href: `#/cases/${c.number}` }, "打开详情收听并补录文字"), "，再确认事项。") : null,
    cls.rationale ? h("p", { class: "muted small" }, `依据：${cls.rationale}`) : null,
    // A role of the matter nobody fills at this place: why it waits here instead of going to a unit.
    (c.unresolvedUnits ?? []).map((u) => h("p", { class: "error small" }, `${u.slot === "lead" ? "主责" : "配合"}单位未能确定：${u.reason}`)),
    cls.alternatives.length
      ? h("div", { class: "alts" }, h("span", { class: "muted small" }, "其他可能："), cls.alternatives.slice(0, 4).map((a) =>
          h("button", { type: "button", onclick: () => attempt(() => act(c.number, { action: "confirm", matterCode: a.code }).then(() => done(`${c.number} 已改为“${a.name}”${dispatches ? "并派单" : ""}`))) }, `${a.name} ${pct(a.score)}`)))
      : null,
    h(
      "div",
      { class: "row" },
      confirm,
      h("button", { type: "button", onclick: () => picker.replaceChildren(matterPicker({ caseNumber: c.number, onPick: (matterCode, leadUnitId) => attempt(() => act(c.number, { action: "confirm", matterCode, leadUnitId }).then(() => done(`${c.number} 已更正${dispatches ? "并派单" : ""}`))) })) }, "更正事项…"),
      h("button", { type: "button", onclick: async () => {
        const reason = prompt("不予受理的原因（会告知居民）：");
        if (reason) await attempt(() => act(c.number, { action: "reject", text: reason }).then(() => done(`${c.number} 已不予受理`)));
      } }, "不予受理"),
      h("a", { href: `#/cases/${c.number}`, class: "small" }, "详情与疑似重复"),
    ),
    picker,
  );
}
