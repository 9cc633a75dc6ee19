// Acting on a case: the one call to the actions API, the matter picker, and the detail page's forms, drawn from
// the actions the server allows (allowedActions). The review queue uses the call and the picker too.
import { api, attempt, fmt, h, options, pct, qs, reference, refreshReviewCount } from "./lib.js";

export const act = (number, body) => api("POST", `/api/cases/${number}/actions`, body);

/** A searchable picker over the whole responsibility list (hundreds of matters), with the lead unit to send it to. */
export function matterPicker({ onPick, label = "更正为", caseNumber = null }) {
  const input = h("input", { type: "search", placeholder: "搜索事项：名称、编码、类别或关键词", "aria-label": "搜索事项", class: "grow" });
  const list = h("ul", {});
  const unitSelect = h("select", { "aria-label": "主责单位" });
  let chosen = null;
  const go = h("button", { class: "primary", type: "button", disabled: true, onclick: () => onPick(chosen.code, unitSelect.value ? Number(unitSelect.value) : undefined) }, label);
  const info = h("span", { class: "muted small" });
  // What the chosen matter reaches at this case's place, and how (a role is filled by the area's unit).
  const found = h("div", { class: "small units-preview" });
  let seq = 0;
  async function search() {
    const mine = ++seq;
    const r = await api("GET", `/api/matters?${qs({ q: input.value.trim(), limit: 30 })}`);
    if (mine !== seq) return; // a later search has started
    info.textContent = r.total > r.matters.length ? `共 ${r.total} 项，显示前 ${r.matters.length} 项` : `共 ${r.total} 项`;
    list.replaceChildren(...r.matters.map((m) => h("li", {}, h("button", { type: "button", onclick: (e) => choose(m, e.currentTarget) }, h("b", {}, m.name), h("span", { class: "muted small" }, `　${m.code} · ${m.category} · ${m.leadUnit?.name ?? m.leadRole?.name ?? "无主责单位"}`)))));
  }
  async function choose(m, button) {
    chosen = m;
    for (const b of list.querySelectorAll("button")) b.classList.toggle("chosen", b === button);
    const { units } = await reference();
    unitSelect.replaceChildren(...options(units.map((u) => [u.id, u.name]), m.leadUnit?.id, m.leadRole ? "（按属地确定）" : "（事项默认主责单位）"));
    go.disabled = false;
    found.replaceChildren();
    if (caseNumber && m.leadRole) {
      const r = await api("GET", `/api/cases/${caseNumber}/units?${qs({ matter: m.code })}`).catch(() => null);
      if (chosen !== m || !r) return;
      const lead = r.units?.lead;
      const missing = (r.units?.unresolved ?? []).filter((u) => u.slot === "lead");
      found.replaceChildren(lead ? h("span", { class: "muted" }, `按属地：${lead.text}`) : missing.length ? h("span", { class: "error" }, `${missing[0].reason}，请选择主责单位`) : "");
    }
  }
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  search();
  setTimeout(() => input.focus());
  return h("div", { class: "picker" }, h("div", { class: "row" }, input, info), list, found, h("div", { class: "row" }, h("span", { class: "small" }, "主责单位"), unitSelect, go));
}

/** 拆分同诉: this joined resident's report becomes a case of its own (the server checks the action again). */
export function splitButton(number, reporterId, reload) {
  return h("button", { type: "button", onclick: () => attempt(() => act(number, { action: "split", reporterId }), "已拆分为新工单").then((ok) => ok && (refreshReviewCount(), reload())) }, "不是同一件事，拆分");
}

/** The actions the server says this viewer may take now (allowedActions); it checks them again and explains a refusal. */
export function actionForms(c, duplicates, units, reload) {
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
    forms.push(h("div", {}, h("button", { type: "button", onclick: () => holder.replaceChildren(matterPicker({ caseNumber: c.number, onPick: (matterCode, leadUnitId) => run({ action: "confirm", matterCode, leadUnitId }, "已更正") })) }, "更正事项…"), holder));
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
