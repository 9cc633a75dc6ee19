// One case (工单详情): its facts and deadlines, the classification, the resident's photos, voice and pins, and the
// timeline of what was said, done and sent; the actions are drawn by case-actions.js.
import { api, countdown, escalationPill, EVENT_LABELS, fmt, h, INBOUND_KIND_LABELS, lightbox, onThisPage, pct, reference, serverNow, SOURCE_LABELS, statusPill, VIA_LABELS, view } from "./lib.js";
import { actionForms, splitButton } from "./case-actions.js";

/** At the same instant: what the resident said, then what was done, then what was sent. */
const ORDER = { in: 0, event: 1, out: 2 };

export default async function caseView(number) {
  const [c, dups, { units }] = await Promise.all([api("GET", `/api/cases/${number}`), api("GET", `/api/cases/${number}/duplicates`), reference()]);
  const reload = onThisPage(() => caseView(number));
  const working = c.working;
  const due = (label, at, doneAt) =>
    h("dd", {}, fmt(at), " ", at && !doneAt && working ? h("span", { class: `small countdown ${new Date(at).getTime() < serverNow() ? "error" : "muted"}`, dataset: { due: at } }, countdown(at)) : doneAt ? h("span", { class: "muted small" }, `（${label} ${fmt(doneAt)}）`) : null);

  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "状态"), h("dd", {}, statusPill(c), escalationPill(c)),
    h("dt", {}, "事项"), h("dd", {}, c.matter ? `${c.matter.name}（${c.matter.code}）` : "未归类"),
    h("dt", {}, "主责单位"), h("dd", {}, c.leadUnit ?? "—", howFound(c.units?.lead), unresolvedLines(c.units, "lead")),
    h("dt", {}, "配合单位"), h("dd", {}, c.cooperatingUnits.join("、") || "—", (c.units?.cooperating ?? []).filter((u) => u.source === "role").map(howFound), unresolvedLines(c.units, "cooperating")),
    h("dt", {}, "网格"), h("dd", {}, [c.grid, c.building].filter(Boolean).join(" · ") || "—"),
    h("dt", {}, "地点"), h("dd", {}, c.location ?? "—"),
    h("dt", {}, "紧急程度"), h("dd", {}, { normal: "一般", urgent: "紧急", emergency: "特急" }[c.urgency] ?? c.urgency),
    h("dt", {}, "受理时间"), h("dd", {}, fmt(c.createdAt)),
    h("dt", {}, "响应时限"), due("已签收", c.responseDueAt, c.respondedAt),
    h("dt", {}, "办结时限"), due("已办结", c.resolveDueAt, c.resolvedAt),
    c.resolution ? [h("dt", {}, "办理结果"), h("dd", {}, c.resolution)] : null,
    c.satisfaction ? [h("dt", {}, "满意度"), h("dd", {}, { satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意", not_evaluated: "未评价" }[c.satisfaction])] : null,
    c.reworkCount ? [h("dt", {}, "重办"), h("dd", {}, `${c.reworkCount} 次`)] : null,
    c.reporterCount > 1 ? [h("dt", {}, "同诉"), h("dd", {}, `${c.reporterCount} 位居民反映`)] : null,
    c.origin === "proactive" ? [h("dt", {}, "来源"), h("dd", {}, "未诉先办（由热点转办）")] : null,
  );
  const cls = c.classification;
  const classification = h(
    "section",
    { class: "card" },
    h("h2", {}, "分类依据"),
    h("p", {}, cls.source === "pending" ? `${SOURCE_LABELS.pending} · 请收听语音后补录文字，再更正事项` : `${SOURCE_LABELS[cls.source] ?? cls.source} · 置信度 ${pct(cls.confidence)}${cls.model ? ` · ${cls.model}` : ""}`),
    h("p", { class: "muted small" }, [cls.promptVersionId ? `提示词 v${cls.promptVersionId}` : null, cls.listVersionId ? `职责清单第 ${cls.listVersionId} 版` : null].filter(Boolean).join(" · ")),
    cls.rationale ? h("p", { class: "muted small" }, cls.rationale) : null,
    cls.alternatives.length ? h("p", { class: "small" }, "其他可能：", cls.alternatives.map((a) => `${a.name ?? a.code} ${pct(a.score)}`).join("，")) : null,
  );

  const timeline = [
    ...c.events.map((e) => ({ at: e.at, kind: "event", cls: e.type === "household_visit" ? "event visit" : "event", title: `${EVENT_LABELS[e.type] ?? e.type} · ${e.household ?? e.actorLabel}`, text: e.note })),
    ...c.messages.map((m) => (m.direction === "in" ? inboundEntry(m) : outboundEntry(m))),
  ].sort((a, b) => new Date(a.at) - new Date(b.at) || ORDER[a.kind] - ORDER[b.kind]);

  view.replaceChildren(
    h("p", {}, h("a", { href: "#/cases" }, "← 工单列表")),
    h("h1", {}, `工单 ${c.number}`),
    h(
      "div",
      { class: "detail" },
      h(
        "div",
        {},
        h("section", { class: "card" }, h("p", { class: "appeal" }, c.text), facts),
        c.attachments?.length ? mediaSection(c.attachments) : null,
        c.reporters?.length ? reportersSection(c, reload) : null,
        h("section", { class: "card actions" }, h("h2", {}, "办理"), actionForms(c, dups.duplicates, units, reload)),
      ),
      h(
        "div",
        {},
        classification,
        h("section", { class: "card" }, h("h2", {}, `时间线（${timeline.length}）`), h("ol", { class: "timeline" }, timeline.map((t) => h("li", { class: t.cls ?? t.kind }, h("div", { class: "when" }, fmt(t.at)), h("b", {}, t.title), t.note ? h("span", { class: t.bad ? "error small" : "muted small" }, t.note) : null, t.text ? h("div", { class: "appeal small" }, t.text) : null)))),
      ),
    ),
  );
}

/** How a unit was found, when a role was involved: "属地… → …（按 明月街道 确定）". */
function howFound(u) {
  return u && u.source !== "fixed" ? h("div", { class: "muted small units-found" }, u.source === "role" ? `按属地：${u.text}` : u.text) : null;
}

/** The roles nobody fills at this case's place, with why: the case waits for a worker rather than go to a wrong unit. */
function unresolvedLines(units, slot) {
  return (units?.unresolved ?? []).filter((u) => u.slot === slot).map((u) => h("div", { class: "error small units-unresolved" }, `未能确定${u.role}：${u.reason}`));
}

/** 同诉: the residents who joined this case, how alike their words were, their rating; a wrong one is split off. */
function reportersSection(c, reload) {
  const rated = { satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意" };
  return h(
    "section",
    { class: "card reporters" },
    h("h2", {}, `同诉居民（${c.reporters.filter((r) => !r.split).length}）`),
    h("ul", {}, c.reporters.map((r) => h(
      "li",
      {},
      h("span", { class: "muted small" }, `${fmt(r.joinedAt)} · 相似度 ${pct(r.similarity)}${r.satisfaction ? ` · 评价：${rated[r.satisfaction] ?? r.satisfaction}` : ""}　`),
      h("q", {}, r.text),
      r.split ? h("span", { class: "small" }, "　已拆分为 ", r.split.caseNumber ? h("a", { href: `#/cases/${r.split.caseNumber}` }, r.split.caseNumber) : "新工单") : c.allowedActions.includes("split") ? [" ", splitButton(c.number, r.id, reload)] : null,
    ))),
  );
}

/** A resident's message in the timeline: a photo, a voice message or a pin reads as what it is. */
function inboundEntry(m) {
  const placeholder = /^［.*］$/.test(m.text ?? ""); // "［照片］": the server's word for a message without words
  return {
    at: m.at,
    kind: "in",
    title: INBOUND_KIND_LABELS[m.kind] ?? "居民消息",
    text: placeholder || !m.text ? null : m.kind === "location" ? `📍 ${m.text}` : m.text,
  };
}

/** What was sent to whom, how (客服消息, 订阅通知 …), and whether it arrived. */
function outboundEntry(m) {
  const status = { pending: "（待发送）", failed: "（发送失败）", undeliverable: `（未能送达：${m.reason ?? "原因不明"}）` }[m.status] ?? "";
  const via = VIA_LABELS[m.via];
  return { at: m.at, kind: "out", title: `发给${m.party}`, note: `${status}${via ? ` · 通过${via}` : ""}`, bad: m.status !== "sent" && m.status !== "pending", text: m.text };
}

const VOICE_SOURCES = { wechat: "微信识别", asr: "语音转写" };

/** 照片、语音与位置: what the resident sent besides words, readable only through this case. */
function mediaSection(attachments) {
  const photos = attachments.filter((a) => a.kind === "image");
  const voices = attachments.filter((a) => a.kind === "voice");
  const pins = attachments.filter((a) => a.kind === "location");
  const notYet = (a, what) => h("span", { class: `media-state ${a.status}` }, a.status === "pending" ? "下载中…" : a.status === "failed" ? "下载失败" : `${what}不可用`);
  return h(
    "section",
    { class: "card media" },
    h("h2", {}, "照片、语音与位置"),
    photos.length
      ? h("ul", { class: "photos" }, photos.map((a, i) => {
          const alt = `居民照片 ${i + 1}（${fmt(a.createdAt)}）`;
          return h("li", {}, a.url
            ? h("button", { type: "button", class: "thumb", title: "点击放大", "aria-label": `放大${alt}`, onclick: () => lightbox(a.url, alt) }, h("img", { src: a.url, alt }))
            : h("div", { class: "thumb empty-thumb" }, notYet(a, "照片")));
        }))
      : null,
    voices.map((a) => h(
      "div",
      { class: "voice" },
      h("div", { class: "small muted" }, `语音 · ${fmt(a.createdAt)}`),
      a.playableUrl
        ? h("audio", { controls: true, preload: "metadata", src: a.playableUrl, "aria-label": "居民的语音" })
        : a.url
          ? h("p", { class: "small" }, h("a", { href: a.url, download: "" }, "下载语音"), h("span", { class: "muted" }, "　浏览器无法直接播放 AMR 格式，请下载后收听"))
          : h("p", { class: "small" }, notYet(a, "语音")),
      a.recognition
        ? h("p", { class: "small" }, h("span", { class: "muted" }, `${VOICE_SOURCES[a.recognitionSource] ?? "文字"}：`), h("q", {}, a.recognition))
        : h("p", { class: "small muted" }, "暂无文字，请收听后补录"),
    )),
    pins.map((a) => h(
      "div",
      { class: "pin" },
      h("b", {}, `📍 ${a.label || "（未命名位置）"}`),
      a.latitude !== null && a.longitude !== null ? h("span", { class: "muted small" }, `　${a.latitude.toFixed(5)}, ${a.longitude.toFixed(5)}`) : null,
      a.mapUrl ? [" ", h("a", { href: a.mapUrl, target: "_blank", rel: "noopener noreferrer", class: "small" }, "在地图中打开")] : null,
    )),
  );
}
