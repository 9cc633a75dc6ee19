// 民呼我应 workers' console: a small single-page app over the JSON API (the same one other systems use).
// No build step: ES modules served as they are. Helpers in lib.js; the administrators' pages in admin-*.js.
import { api, attempt, countdown, EVENT_LABELS, fmt, h, hooks, INBOUND_KIND_LABELS, lightbox, options, pct, qs, reference, serverNow, SOURCE_LABELS, state, statusPill, toast, VIA_LABELS, view } from "./lib.js";

// ---- signing in -------------------------------------------------------------------------------------------

function showLogin(message) {
  document.querySelector(".top").hidden = true;
  const error = h("p", { class: "error", role: "alert" }, message ?? "");
  const form = h(
    "form",
    { class: "card login", onsubmit: async (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        const r = await api("POST", "/api/auth/login", data);
        signedIn(r);
        route();
      } catch (err) {
        error.textContent = err.message;
      }
    } },
    h("h1", {}, "民呼我应 · 工作台"),
    h("p", { class: "muted" }, "社区工作人员与管理员登录"),
    h("label", { for: "username", class: "muted small" }, "用户名"),
    h("input", { id: "username", name: "username", autocomplete: "username", required: true }),
    h("label", { for: "password", class: "muted small" }, "密码"),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    error,
    h("button", { class: "primary", type: "submit" }, "登录"),
  );
  view.replaceChildren(form);
}

hooks.unauthorized = () => showLogin();

function signedIn({ user, csrfToken, now }) {
  state.user = user;
  state.skew = now ? new Date(now).getTime() - Date.now() : 0;
  state.csrf = csrfToken;
  document.querySelector(".top").hidden = false;
  document.getElementById("who").textContent = `${user.displayName}（${user.role === "admin" ? "管理员" : "社区工作人员"}）`;
  for (const el of document.querySelectorAll("[data-admin]")) el.hidden = user.role !== "admin";
}

document.getElementById("logout").addEventListener("click", async () => {
  await attempt(() => api("POST", "/api/auth/logout"));
  state.user = null;
  showLogin("已退出");
});

async function refreshReviewCount() {
  const r = await api("GET", "/api/cases?view=review&pageSize=1").catch(() => null);
  document.getElementById("review-count").textContent = r && r.total ? String(r.total) : "";
}

// ---- review queue -----------------------------------------------------------------------------------------

async function reviewView() {
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
    if (!view.querySelector(".review-card")) route();
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
    cls.alternatives.length
      ? h("div", { class: "alts" }, h("span", { class: "muted small" }, "其他可能："), cls.alternatives.slice(0, 4).map((a) =>
          h("button", { type: "button", onclick: () => attempt(() => act(c.number, { action: "confirm", matterCode: a.code }).then(() => done(`${c.number} 已改为“${a.name}”${dispatches ? "并派单" : ""}`))) }, `${a.name} ${pct(a.score)}`)))
      : null,
    h(
      "div",
      { class: "row" },
      confirm,
      h("button", { type: "button", onclick: () => picker.replaceChildren(matterPicker({ onPick: (matterCode, leadUnitId) => attempt(() => act(c.number, { action: "confirm", matterCode, leadUnitId }).then(() => done(`${c.number} 已更正${dispatches ? "并派单" : ""}`))) })) }, "更正事项…"),
      h("button", { type: "button", onclick: async () => {
        const reason = prompt("不予受理的原因（会告知居民）：");
        if (reason) await attempt(() => act(c.number, { action: "reject", text: reason }).then(() => done(`${c.number} 已不予受理`)));
      } }, "不予受理"),
      h("a", { href: `#/cases/${c.number}`, class: "small" }, "详情与疑似重复"),
    ),
    picker,
  );
}

const act = (number, body) => api("POST", `/api/cases/${number}/actions`, body);

/** A searchable picker over the whole responsibility list (hundreds of matters), with the lead unit to send it to. */
function matterPicker({ onPick, label = "更正为" }) {
  const input = h("input", { type: "search", placeholder: "搜索事项：名称、编码、类别或关键词", "aria-label": "搜索事项", class: "grow" });
  const list = h("ul", {});
  const unitSelect = h("select", { "aria-label": "主责单位" });
  let chosen = null;
  const go = h("button", { class: "primary", type: "button", disabled: true, onclick: () => onPick(chosen.code, unitSelect.value ? Number(unitSelect.value) : undefined) }, label);
  const info = h("span", { class: "muted small" });
  let seq = 0;
  async function search() {
    const mine = ++seq;
    const r = await api("GET", `/api/matters?${qs({ q: input.value.trim(), limit: 30 })}`);
    if (mine !== seq) return; // a later search has started
    info.textContent = r.total > r.matters.length ? `共 ${r.total} 项，显示前 ${r.matters.length} 项` : `共 ${r.total} 项`;
    list.replaceChildren(...r.matters.map((m) => h("li", {}, h("button", { type: "button", onclick: (e) => choose(m, e.currentTarget) }, h("b", {}, m.name), h("span", { class: "muted small" }, `　${m.code} · ${m.category} · ${m.leadUnit?.name ?? "无主责单位"}`)))));
  }
  async function choose(m, button) {
    chosen = m;
    for (const b of list.querySelectorAll("button")) b.classList.toggle("chosen", b === button);
    const { units } = await reference();
    unitSelect.replaceChildren(...options(units.map((u) => [u.id, u.name]), m.leadUnit?.id, "（事项默认主责单位）"));
    go.disabled = false;
  }
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  search();
  setTimeout(() => input.focus());
  return h("div", { class: "picker" }, h("div", { class: "row" }, input, info), list, h("div", { class: "row" }, h("span", { class: "small" }, "主责单位"), unitSelect, go));
}

// ---- case list --------------------------------------------------------------------------------------------

const STATUS_OPTIONS = [
  ["needs_review", "待人工确认"], ["accepted", "已受理"], ["dispatched", "已派单"], ["in_progress", "办理中"], ["resolved", "已办结"],
  ["awaiting_feedback", "待回访"], ["closed", "已结案"], ["returned", "已退单"], ["reopened", "重办中"], ["merged", "已合并"], ["withdrawn", "已撤回"], ["rejected", "不予受理"],
];

async function casesView(params) {
  const [{ units, grids }, { matters }] = await Promise.all([reference(), api("GET", "/api/matters?limit=600")]);
  const q = Object.fromEntries(params);
  const form = h(
    "form",
    { class: "card filters", onsubmit: (e) => {
      e.preventDefault();
      const f = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
      for (const k of ["from", "to"]) if (f[k]) f[k] = new Date(`${f[k]}T00:00:00+08:00`).toISOString();
      location.hash = `#/cases?${qs(f)}`;
    } },
    h("input", { name: "q", type: "search", value: q.q ?? "", placeholder: "搜索诉求内容、地点、办理结果或工单号", "aria-label": "搜索", class: "wide" }),
    h("select", { name: "status", "aria-label": "状态" }, options(STATUS_OPTIONS, q.status, "全部状态")),
    h("select", { name: "overdue", "aria-label": "是否超时" }, options([["true", "已超时"], ["false", "未超时"]], q.overdue, "超时与否")),
    h("select", { name: "gridId", "aria-label": "网格" }, options(grids.map((g) => [g.id, `${g.community ?? ""} ${g.name}`]), q.gridId, "全部网格")),
    h("select", { name: "unitId", "aria-label": "主责单位" }, options(units.map((u) => [u.id, u.name]), q.unitId, "全部主责单位")),
    h("input", { name: "matter", value: q.matter ?? "", placeholder: "事项（输入名称或编码）", "aria-label": "事项编码", list: "matter-options", autocomplete: "off" }),
    h("datalist", { id: "matter-options" }, matters.map((m) => h("option", { value: m.code }, `${m.name} · ${m.category}`))),
    h("label", { class: "small" }, "自", h("input", { name: "from", type: "date", value: q.from ? chinaDay(q.from) : "" })),
    h("label", { class: "small" }, "至", h("input", { name: "to", type: "date", value: q.to ? chinaDay(q.to) : "" })),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, "查询"), h("a", { href: "#/cases" }, "清空")),
  );
  const page = Number(q.page ?? 1);
  const data = await api("GET", `/api/cases?${qs({ ...q, pageSize: 20 })}`);
  const rows = data.cases.map((c) => {
    // Overdue as the server counts it (the 超期 filter): past a limit while being worked on, or escalated.
    const late = c.overdue;
    return h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/cases/${c.number}` }, c.number), " ", statusPill(c), c.escalationLevel ? h("span", { class: "pill late" }, c.escalationLevel > 1 ? "二级督办" : "督办") : null),
      h("td", {}, c.text.length > 60 ? c.text.slice(0, 60) + "…" : c.text),
      h("td", {}, c.matter?.name ?? "—", h("div", { class: "muted small" }, c.leadUnit ?? "")),
      h("td", { class: "small" }, c.grid ?? "—"),
      h("td", { class: "small" }, fmt(c.createdAt)),
      h("td", { class: `small ${late ? "error" : ""}` }, c.resolveDueAt ? `${fmt(c.resolveDueAt)} ${c.working ? countdown(c.resolveDueAt) : ""}` : "—"),
    );
  });
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const to = (p) => `#/cases?${qs({ ...q, page: p })}`;
  const exportQuery = qs({ ...q, page: undefined });
  view.replaceChildren(
    h("div", { class: "row spread" }, h("h1", {}, `工单（${data.total}）`), h("span", { class: "row small" }, "导出：", h("a", { href: `/api/cases/export.xlsx?${exportQuery}` }, "Excel"), h("a", { href: `/api/cases/export.csv?${exportQuery}` }, "CSV"))),
    form,
    rows.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "cases" }, h("thead", {}, h("tr", {}, ["工单", "诉求", "事项 / 主责单位", "网格", "受理时间", "办结时限"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)))
      : h("p", { class: "empty" }, "没有符合条件的工单"),
    h("div", { class: "pager" }, page > 1 ? h("a", { href: to(page - 1) }, "上一页") : null, h("span", { class: "muted" }, `第 ${page} / ${pages} 页`), page < pages ? h("a", { href: to(page + 1) }, "下一页") : null),
  );
}

const chinaDay = (iso) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10);

// ---- case detail ------------------------------------------------------------------------------------------

/** At the same instant: what the resident said, then what was done, then what was sent. */
const ORDER = { in: 0, event: 1, out: 2 };

async function caseView(number) {
  const [c, dups, { units }] = await Promise.all([api("GET", `/api/cases/${number}`), api("GET", `/api/cases/${number}/duplicates`), reference()]);
  const reload = () => caseView(number);
  const working = c.working;
  const due = (label, at, doneAt) =>
    h("dd", {}, fmt(at), " ", at && !doneAt && working ? h("span", { class: `small countdown ${new Date(at).getTime() < serverNow() ? "error" : "muted"}`, dataset: { due: at } }, countdown(at)) : doneAt ? h("span", { class: "muted small" }, `（${label} ${fmt(doneAt)}）`) : null);

  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "状态"), h("dd", {}, statusPill(c), c.escalationLevel ? h("span", { class: "pill late" }, c.escalationLevel > 1 ? "二级督办" : "督办") : null),
    h("dt", {}, "事项"), h("dd", {}, c.matter ? `${c.matter.name}（${c.matter.code}）` : "未归类"),
    h("dt", {}, "主责单位"), h("dd", {}, c.leadUnit ?? "—"),
    h("dt", {}, "配合单位"), h("dd", {}, c.cooperatingUnits.join("、") || "—"),
    h("dt", {}, "网格"), h("dd", {}, [c.grid, c.building].filter(Boolean).join(" · ") || "—"),
    h("dt", {}, "地点"), h("dd", {}, c.location ?? "—"),
    h("dt", {}, "紧急程度"), h("dd", {}, { normal: "一般", urgent: "紧急", emergency: "特急" }[c.urgency] ?? c.urgency),
    h("dt", {}, "受理时间"), h("dd", {}, fmt(c.createdAt)),
    h("dt", {}, "响应时限"), due("已签收", c.responseDueAt, c.respondedAt),
    h("dt", {}, "办结时限"), due("已办结", c.resolveDueAt, c.resolvedAt),
    c.resolution ? [h("dt", {}, "办理结果"), h("dd", {}, c.resolution)] : null,
    c.satisfaction ? [h("dt", {}, "满意度"), h("dd", {}, { satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意", not_evaluated: "未评价" }[c.satisfaction])] : null,
    c.reworkCount ? [h("dt", {}, "重办"), h("dd", {}, `${c.reworkCount} 次`)] : null,
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
    ...c.events.map((e) => ({ at: e.at, kind: "event", title: `${EVENT_LABELS[e.type] ?? e.type} · ${e.actorLabel}`, text: e.note })),
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
        h("section", { class: "card actions" }, h("h2", {}, "办理"), actionForms(c, dups.duplicates, units, reload)),
      ),
      h(
        "div",
        {},
        classification,
        h("section", { class: "card" }, h("h2", {}, `时间线（${timeline.length}）`), h("ol", { class: "timeline" }, timeline.map((t) => h("li", { class: t.kind }, h("div", { class: "when" }, fmt(t.at)), h("b", {}, t.title), t.note ? h("span", { class: t.bad ? "error small" : "muted small" }, t.note) : null, t.text ? h("div", { class: "appeal small" }, t.text) : null)))),
      ),
    ),
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

/** The actions the server says this viewer may take now (allowedActions); it checks them again and explains a refusal. */
function actionForms(c, duplicates, units, reload) {
  const can = (action) => c.allowedActions.includes(action);
  const forms = [];
  const run = (body, message) => attempt(() => act(c.number, body), message).then((ok) => ok && (refreshReviewCount(), reload()));
  const button = (label, body, message, primary = false) => h("button", { type: "button", class: primary ? "primary" : "", onclick: () => run(body, message) }, label);
  const withText = (label, action, placeholder, message, extra) => {
    const text = h("textarea", { placeholder, "aria-label": placeholder, required: true });
    return h("form", { onsubmit: (e) => (e.preventDefault(), run({ action, text: text.value, ...(extra ? extra() : {}) }, message)) }, text, h("div", { class: "row" }, h("button", { type: "submit" }, label)));
  };

  // A voice message nobody could turn into words: the worker listens and writes it down, then confirms a matter.
  const hasVoice = c.attachments?.some((a) => a.kind === "voice");
  if ((c.classification.source === "pending" || hasVoice) && can("transcribe")) {
    const heard = c.attachments?.find((a) => a.kind === "voice" && a.recognition)?.recognition;
    const text = h("textarea", { placeholder: "收听语音后，写下居民说的内容", "aria-label": "语音的内容", required: true, maxlength: 2000 }, c.classification.source === "pending" ? (heard ?? "") : "");
    forms.push(h(
      "form",
      { class: "transcribe", onsubmit: (e) => (e.preventDefault(), run({ action: "transcribe", text: text.value }, "已补录语音文字，请确认事项")) },
      h("b", { class: "small" }, "补录语音文字"),
      h("p", { class: "muted small" }, "补录的文字将替换工单内容，承办单位和分类都按它办理。"),
      text,
      h("div", { class: "row" }, h("button", { type: "submit", class: c.classification.source === "pending" ? "primary" : "" }, "补录语音文字")),
    ));
  }

  const quick = h("div", { class: "row" });
  if (can("confirm") && c.matter) quick.append(button("确认", { action: "confirm" }, "已确认", true));
  if (can("dispatch")) quick.append(button("派单", { action: "dispatch" }, "已派单", !c.matter));
  if (can("accept")) quick.append(button("签收", { action: "accept" }, "已签收"));
  if (can("start")) quick.append(button("开始办理", { action: "start" }, "已开始办理"));
  if (can("close")) quick.append(button("结案", { action: "close" }, "已结案"));
  if (quick.childNodes.length) forms.push(quick);

  if (can("confirm")) {
    const holder = h("div", {});
    forms.push(h("div", {}, h("button", { type: "button", onclick: () => holder.replaceChildren(matterPicker({ onPick: (matterCode, leadUnitId) => run({ action: "confirm", matterCode, leadUnitId }, "已更正") })) }, "更正事项…"), holder));
  }
  if (can("reassign")) {
    const unit = h("select", { "aria-label": "改派给" }, options(units.filter((u) => u.name !== c.leadUnit).map((u) => [u.id, u.name]), "", "选择新的主责单位"));
    const reason = h("input", { placeholder: "改派原因（可选）", "aria-label": "改派原因" });
    forms.push(h("form", { onsubmit: (e) => (e.preventDefault(), run({ action: "reassign", leadUnitId: Number(unit.value) || undefined, text: reason.value || undefined }, "已改派")) }, h("div", { class: "row" }, h("b", { class: "small" }, "改派"), unit, reason, h("button", { type: "submit" }, "改派"))));
  }
  if (can("resolve")) forms.push(withText("办结", "resolve", "办理结果（会告知居民）", "已办结"));
  if (can("return")) forms.push(withText("退单", "return", "退单原因", "已退单"));
  if (can("reopen")) forms.push(withText("重办", "reopen", "重办原因", "已重办"));
  if (can("reject")) forms.push(withText("不予受理", "reject", "不予受理的原因（会告知居民）", "已不予受理"));

  // Notes: public ones reach the resident, internal ones stay with the people working the case.
  const isPublic = h("input", { type: "checkbox" });
  if (can("note")) {
    forms.push(withText("添加备注", "note", "备注内容", "已添加备注", () => ({ public: isPublic.checked })));
    forms.at(-1).querySelector(".row").prepend(h("label", { class: "small" }, isPublic, "公开（告知居民）"));
  }

  if (can("merge")) {
    forms.push(
      h(
        "div",
        { class: "duplicates" },
        h("h2", {}, `疑似重复（${duplicates.length}）`),
        duplicates.length
          ? h("ul", {}, duplicates.map((d) => h("li", {}, h("a", { href: `#/cases/${d.number}` }, d.number), ` 相似度 ${pct(d.similarity)}${d.sameBuilding ? " · 同楼栋" : ""} · ${fmt(d.createdAt)} `, h("span", { class: "muted small" }, d.text.slice(0, 50)), " ", button("合并到此工单", { action: "merge", mergeInto: d.number }, `已合并到 ${d.number}`))))
          : h("p", { class: "muted small" }, "近 7 天同网格同事项没有未办结的工单"),
      ),
    );
  }
  return forms;
}

// ---- KPIs -------------------------------------------------------------------------------------------------

function monthRange(offset = 0) {
  const now = new Date(serverNow() + 8 * 3600_000);
  const y = now.getUTCFullYear(), m = now.getUTCMonth() + offset;
  const at = (yy, mm) => new Date(Date.UTC(yy, mm, 1) - 8 * 3600_000).toISOString();
  return { from: at(y, m), to: at(y, m + 1) };
}

/** China dates, both days included, as the API's [from, to) instants. */
function dayRange(fromDay, toDay) {
  const at = (day, plus = 0) => new Date(new Date(`${day}T00:00:00+08:00`).getTime() + plus * 86400_000).toISOString();
  return { ...(fromDay ? { from: at(fromDay) } : {}), ...(toDay ? { to: at(toDay, 1) } : {}) };
}

async function kpiView(params) {
  const { grids, units } = await reference();
  const q = Object.fromEntries(params);
  const period = q.period ?? "month";
  const range = period === "month" ? monthRange(0) : period === "last" ? monthRange(-1) : period === "all" ? {} : dayRange(q.fromDay, q.toDay);
  const groupBy = q.groupBy ?? "unit";
  const scope = { gridId: q.gridId, unitId: q.unitId };
  const [ranking, trend] = await Promise.all([
    api("GET", `/api/kpis?${qs({ groupBy, ...range, ...scope })}`),
    api("GET", `/api/kpis?${qs({ groupBy: period === "all" ? "month" : "day", ...range, ...scope })}`),
  ]);
  const t = ranking.total;
  const form = h(
    "form",
    { class: "card filters", onchange: () => (location.hash = `#/kpi?${qs(Object.fromEntries(new FormData(form)))}`), onsubmit: (e) => e.preventDefault() },
    h("select", { name: "period", "aria-label": "时段" }, options([["month", "本月"], ["last", "上月"], ["all", "全部"], ["custom", "自定义"]], period)),
    period === "custom" ? h("label", { class: "small" }, "自", h("input", { name: "fromDay", type: "date", value: q.fromDay ?? "", "aria-label": "开始日期" })) : null,
    period === "custom" ? h("label", { class: "small" }, "至", h("input", { name: "toDay", type: "date", value: q.toDay ?? "", "aria-label": "结束日期（含）" })) : null,
    h("select", { name: "groupBy", "aria-label": "排名维度" }, options([["unit", "按承办单位"], ["grid", "按网格"], ["category", "按事项类别"]], groupBy)),
    h("select", { name: "gridId", "aria-label": "网格" }, options(grids.map((g) => [g.id, g.name]), q.gridId, "全部网格")),
    h("select", { name: "unitId", "aria-label": "承办单位" }, options(units.map((u) => [u.id, u.name]), q.unitId, "全部承办单位")),
  );
  const exportQuery = qs({ groupBy, ...range, ...scope });
  const stat = (label, value, note) => h("div", { class: "stat" }, h("span", { class: "muted small" }, label), h("b", {}, value), note ? h("span", { class: "muted small" }, note) : null);
  const rankChart = h("div", { class: "chart", id: "rank-chart", role: "img", "aria-label": "排名图" });
  const trendChart = h("div", { class: "chart", id: "trend-chart", role: "img", "aria-label": "趋势图" });
  view.replaceChildren(
    h("div", { class: "row spread" }, h("h1", {}, "考核评价"), h("span", { class: "row small" }, "导出：", h("a", { href: `/api/kpis/export.xlsx?${exportQuery}` }, "Excel"), h("a", { href: `/api/kpis/export.csv?${exportQuery}` }, "CSV"))),
    form,
    h(
      "div",
      { class: "stats" },
      stat("工单量", String(t.volume), `超期 ${t.overdue}`),
      stat("响应率", pct(t.responseRate), `${t.respondedOnTime} / ${t.responseDue}`),
      stat("解决率", pct(t.resolutionRate), `已评价 ${t.evaluated}`),
      stat("满意率", pct(t.satisfactionRate)),
      stat("综合得分", t.composite === null ? "—" : (t.composite * 100).toFixed(1)),
    ),
    h("div", { class: "charts" }, h("section", { class: "card" }, h("h2", {}, `${ranking.groupLabel}排名`), rankChart), h("section", { class: "card" }, h("h2", {}, "趋势"), trendChart)),
    h(
      "section",
      { class: "card table-wrap" },
      h(
        "table",
        { class: "kpi-table" },
        h("thead", {}, h("tr", {}, [ranking.groupLabel, "工单量", "响应率", "解决率", "满意率", "综合得分", "超期", "平均响应（时）", "平均办结（时）"].map((x, i) => h("th", { class: i ? "num" : "" }, x)))),
        h("tbody", {}, ranking.rows.map((r) => h("tr", {}, h("td", {}, r.group), h("td", { class: "num" }, r.volume), h("td", { class: "num" }, pct(r.responseRate)), h("td", { class: "num" }, pct(r.resolutionRate)), h("td", { class: "num" }, pct(r.satisfactionRate)), h("td", { class: "num" }, r.composite === null ? "—" : (r.composite * 100).toFixed(1)), h("td", { class: "num" }, r.overdue), h("td", { class: "num" }, r.avgHoursToRespond ?? "—"), h("td", { class: "num" }, r.avgHoursToResolve ?? "—")))),
      ),
    ),
    h("section", { class: "defs card" }, h("h2", {}, "指标定义"), Object.values(ranking.definitions).map((d) => h("p", {}, d)), h("p", {}, "已评价指居民回复了满意、基本满意或不满意；未评价不计入。没有应响应或已评价工单时显示“—”。")),
  );
  drawCharts(ranking, trend, rankChart, trendChart);
}

function drawCharts(ranking, trend, rankEl, trendEl) {
  if (!window.echarts) return;
  const rates = [["响应率", "responseRate"], ["解决率", "resolutionRate"], ["满意率", "satisfactionRate"]];
  const asPct = (x) => (x === null ? null : Number((x * 100).toFixed(1)));
  const top = ranking.rows.slice(0, 12);
  const rank = echarts.init(rankEl);
  rank.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: top.map((r) => r.group), axisLabel: { width: 110, overflow: "truncate" } },
    series: rates.map(([name, key]) => ({ name, type: "bar", data: top.map((r) => asPct(r[key])) })),
  });
  const line = echarts.init(trendEl);
  line.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
    xAxis: { type: "category", data: trend.rows.map((r) => r.group) },
    yAxis: [{ type: "value", max: 100, axisLabel: { formatter: "{value}%" } }, { type: "value", splitLine: { show: false } }],
    series: [
      ...rates.map(([name, key]) => ({ name, type: "line", connectNulls: true, data: trend.rows.map((r) => asPct(r[key])) })),
      { name: "工单量", type: "bar", yAxisIndex: 1, data: trend.rows.map((r) => r.volume), itemStyle: { opacity: 0.35 } },
    ],
  });
  const resize = () => (rank.resize(), line.resize());
  window.addEventListener("resize", resize);
  kpiView.cleanup = () => window.removeEventListener("resize", resize);
}

// ---- administrators' pages, each its own module, loaded when opened ----------------------------------------

const ADMIN_PAGES = {
  "/admin/prompts": { module: "./admin-prompts.js" },
  "/admin/list": { module: "./admin-list.js" },
  "/admin/org": { module: "./admin-org.js" },
  "/admin/replies": { module: "./admin-replies.js" },
  "/users": { module: "./admin-users.js" },
};

// ---- routing ----------------------------------------------------------------------------------------------

async function route() {
  if (!state.user) {
    try {
      signedIn(await api("GET", "/api/auth/me"));
    } catch {
      return;
    }
  }
  kpiView.cleanup?.();
  kpiView.cleanup = null;
  // A generated password (new account, reset) is replaced before anything else; the server refuses the rest.
  const [path, query] = state.user.mustChangePassword ? ["/password"] : (location.hash.slice(1) || "/review").split("?");
  document.querySelector(".top nav").hidden = Boolean(state.user.mustChangePassword);
  const params = new URLSearchParams(query ?? "");
  const section = path.split("/")[1];
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === section || (a.dataset.nav === "admin" && path === "/users"));
  view.replaceChildren(h("p", { class: "muted" }, "加载中…"));
  try {
    const number = /^\/cases\/(\d{4}-\d{6})$/.exec(path)?.[1];
    if (number) await caseView(number);
    else if (path === "/cases") await casesView(params);
    else if (path === "/kpi") await kpiView(params);
    else if (path === "/password") await (await import("./account.js")).default();
    else if (ADMIN_PAGES[path] && state.user.role === "admin") await (await import(ADMIN_PAGES[path].module)).default(params);
    else await reviewView();
    if (!state.user.mustChangePassword) refreshReviewCount();
  } catch (err) {
    if (err.status !== 401) view.replaceChildren(h("p", { class: "error card" }, err.message));
  }
}

// Countdowns tick without reloading the page.
setInterval(() => {
  for (const el of document.querySelectorAll("[data-due]")) {
    el.textContent = countdown(el.dataset.due);
    el.classList.toggle("error", new Date(el.dataset.due).getTime() < serverNow());
  }
}, 30_000);

window.addEventListener("hashchange", route);
route();
