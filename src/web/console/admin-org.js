// 组织与设置: which groups the bot serves and their grids, the area hierarchy and who answers for each area,
// the units and how they are reached, and the run-time settings. Every change applies from the next message.
import { adminTabs, api, attempt, h, options, state, toast, view } from "./lib.js";

const CONTACT_KINDS = [["room", "微信群"], ["contact", "微信联系人"], ["webhook", "Webhook（企业微信机器人等）"], ["phone", "电话"]];
const CHANNELS = [["wechaty", "微信"], ["simulator", "模拟器"], ["http", "HTTP"]];
const UNIT_KINDS = [["department", "职能部门"], ["property", "物业"], ["committee", "居委会"], ["street_office", "街道办"], ["utility", "公用事业"], ["other", "其他"]];

export default async function orgView() {
  const [org, joined, settings, emergency] = await Promise.all([api("GET", "/api/admin/org"), api("GET", "/api/admin/groups/joined"), api("GET", "/api/admin/settings"), api("GET", "/api/admin/emergency-rules")]);
  state.units = null; // pickers elsewhere read units and grids afresh after changes here
  const reload = () => orgView();
  const grids = org.areas.filter((a) => a.level === "grid");
  const gridOptions = (value) => options(grids.map((g) => [g.id, g.name]), value, "（未指定网格）");

  view.replaceChildren(
    adminTabs("/admin/org"),
    h("h1", {}, "组织与设置"),
    groupsCard(org, joined.joined, gridOptions, reload),
    areasCard(org, reload),
    unitsCard(org, reload),
    emergencyCard(emergency.rules, reload),
    settingsCard(settings),
  );
}

// ---- groups ----

function groupsCard(org, joined, gridOptions, reload) {
  const rows = org.groups.map((g) =>
    h(
      "tr",
      { dataset: { group: g.chatId } },
      h("td", {}, g.name, h("div", { class: "muted small" }, `${CHANNELS.find(([c]) => c === g.channel)?.[1] ?? g.channel} · ${g.chatId}`)),
      h("td", {}, h("select", { "aria-label": `${g.name} 所属网格`, onchange: (e) => attempt(() => api("PATCH", `/api/admin/groups/${g.id}`, { gridId: Number(e.target.value) || null }), "已改所属网格，下一条消息起生效") }, gridOptions(g.gridId))),
      h(
        "td",
        {},
        h("label", { class: "small" }, h("input", { type: "checkbox", checked: g.enabled, onchange: (e) => attempt(() => api("PATCH", `/api/admin/groups/${g.id}`, { enabled: e.target.checked }), e.target.checked ? "已恢复服务" : "已暂停服务") }), "服务中"),
        h("br"),
        h("label", { class: "small" }, h("input", { type: "checkbox", "aria-label": `${g.name} 无需@`, checked: !g.mentionRequired, onchange: (e) => attempt(() => api("PATCH", `/api/admin/groups/${g.id}`, { mentionRequired: !e.target.checked }), e.target.checked ? "群内所有消息都将视为对机器人说的" : "需要 @机器人 或前缀") }), "无需 @（报事专用群）"),
      ),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => confirm(`不再服务“${g.name}”？`) && attempt(() => api("DELETE", `/api/admin/groups/${g.id}`).then(reload), "已移出服务名单") }, "移除")),
    ),
  );
  const offered = joined.filter((j) => !j.served);
  const grid = h("select", { "aria-label": "新群所属网格" }, gridOptions(null));
  const manual = {
    channel: h("select", { "aria-label": "渠道" }, options(CHANNELS, "wechaty")),
    chatId: h("input", { placeholder: "群 ID", "aria-label": "群 ID" }),
    name: h("input", { placeholder: "群名称", "aria-label": "群名称" }),
  };
  const serve = (g) => attempt(() => api("POST", "/api/admin/groups", { ...g, gridId: Number(grid.value) || null }).then(reload), `已开始服务“${g.name}”`);
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `服务的群（${org.groups.length}）`),
    h("p", { class: "muted small" }, "只有名单中的群会被处理；群里的诉求归入所属网格。"),
    h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, ["群", "所属网格", "状态", ""].map((t) => h("th", {}, t)))), h("tbody", {}, rows))),
    h("h3", {}, "添加群"),
    h("div", { class: "row small" }, "所属网格：", grid),
    offered.length
      ? h("ul", { class: "joined" }, offered.map((j) => h("li", {}, `${j.name}（${CHANNELS.find(([c]) => c === j.channel)?.[1] ?? j.channel}）`, " ", h("button", { type: "button", onclick: () => serve({ channel: j.channel, chatId: j.chatId, name: j.name }) }, "服务此群"))))
      : h("p", { class: "muted small" }, "机器人所在的群都已在名单中（微信未登录时这里为空）。"),
    h("div", { class: "row" }, manual.channel, manual.chatId, manual.name, h("button", { type: "button", onclick: () => serve({ channel: manual.channel.value, chatId: manual.chatId.value, name: manual.name.value }) }, "按 ID 添加")),
  );
}

// ---- areas ----

function areasCard(org, reload) {
  const children = (parentId) => org.areas.filter((a) => a.parentId === parentId);
  const CHILD = { street: "community", community: "grid", grid: "building", building: null };
  const node = (a) => {
    const childLevel = CHILD[a.level];
    const name = h("input", { value: a.name, "aria-label": `${org.levels[a.level]}名称`, class: "inline-name" });
    return h(
      "li",
      { dataset: { area: a.name } },
      h(
        "div",
        { class: "row" },
        h("span", { class: "pill" }, org.levels[a.level]),
        name,
        h("button", { type: "button", class: "link", onclick: () => attempt(() => api("PATCH", `/api/admin/areas/${a.id}`, { name: name.value }).then(reload), "已改名") }, "改名"),
        h("button", { type: "button", class: "link", onclick: () => confirm(`删除“${a.name}”？`) && attempt(() => api("DELETE", `/api/admin/areas/${a.id}`).then(reload), "已删除") }, "删除"),
        childLevel ? h("button", { type: "button", class: "link", onclick: () => { const n = prompt(`在“${a.name}”下新增${org.levels[childLevel]}，名称：`); if (n) attempt(() => api("POST", "/api/admin/areas", { level: childLevel, name: n, parentId: a.id }).then(reload), "已新增"); } }, `＋${org.levels[childLevel]}`) : null,
      ),
      a.level !== "building" ? contactsBlock(a.contacts, `/api/admin/areas/${a.id}/contacts`, "/api/admin/area-contacts", reload, "督办联系方式") : null,
      h("ul", { class: "tree" }, children(a.id).map(node)),
    );
  };
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "区域（街道 → 社区 → 网格 → 楼栋）"),
    h("p", { class: "muted small" }, "超时工单按 网格 → 社区 → 街道 逐级督办，发往各级的联系方式。"),
    h("ul", { class: "tree" }, children(null).map(node)),
    h("button", { type: "button", onclick: () => { const n = prompt("新增街道，名称："); if (n) attempt(() => api("POST", "/api/admin/areas", { level: "street", name: n, parentId: null }).then(reload), "已新增"); } }, "＋街道"),
  );
}

/** A list of contacts with a small form to add one. */
function contactsBlock(contacts, addPath, deletePath, reload, label) {
  const kind = h("select", { "aria-label": "联系方式类型" }, options(CONTACT_KINDS, "room"));
  const channel = h("select", { "aria-label": "联系方式渠道" }, options(CHANNELS.slice(0, 2), "wechaty"));
  const address = h("input", { placeholder: "群 ID / 微信 ID / URL / 电话", "aria-label": "联系地址" });
  const name = h("input", { placeholder: "名称（可选）", "aria-label": "联系方式名称" });
  kind.addEventListener("change", () => (channel.hidden = !["room", "contact"].includes(kind.value)));
  return h(
    "details",
    { class: "contacts" },
    h("summary", { class: "small" }, `${label}（${contacts.length}）`),
    h("ul", {}, contacts.map((c) => h("li", { class: "small" }, `${CONTACT_KINDS.find(([k]) => k === c.kind)?.[1] ?? c.kind}${c.channel ? `（${CHANNELS.find(([k]) => k === c.channel)?.[1] ?? c.channel}）` : ""}：${c.name ? `${c.name} ` : ""}${c.address} `, h("button", { type: "button", class: "link", onclick: () => attempt(() => api("DELETE", `${deletePath}/${c.id}`).then(reload), "已删除") }, "删除")))),
    h("div", { class: "row" }, kind, channel, address, name, h("button", { type: "button", onclick: () => attempt(() => api("POST", addPath, { kind: kind.value, channel: ["room", "contact"].includes(kind.value) ? channel.value : undefined, address: address.value, name: name.value || undefined }).then(reload), "已添加") }, "添加")),
  );
}

// ---- units ----

function unitsCard(org, reload) {
  const name = h("input", { placeholder: "单位名称", "aria-label": "新单位名称" });
  const kind = h("select", { "aria-label": "新单位类型" }, options(UNIT_KINDS, "department"));
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `承办单位（${org.units.length}）`),
    h("ul", { class: "units" }, org.units.map((u) =>
      h("li", { dataset: { unit: u.name } }, h("b", {}, u.name), h("span", { class: "muted small" }, ` ${UNIT_KINDS.find(([k]) => k === u.kind)?.[1] ?? u.kind} · 主责 ${u.matters} 项`), u.contacts.length ? null : h("span", { class: "pill late" }, "无联系方式"), contactsBlock(u.contacts, `/api/admin/units/${u.id}/contacts`, "/api/admin/unit-contacts", reload, "派单联系方式")))),
    h("div", { class: "row" }, name, kind, h("button", { type: "button", onclick: () => attempt(() => api("POST", "/api/admin/units", { name: name.value, kind: kind.value }).then(reload), "已新增单位") }, "新增单位")),
  );
}

// ---- emergency rules ----

const words = (s) => s.split(/[\s,，、]+/).filter(Boolean);

/** Rules the bot answers at once with a hotline, before anything slow; one form per rule and one to add. */
function emergencyCard(rules, reload) {
  const form = (r) => {
    const f = {
      name: h("input", { value: r?.name ?? "", placeholder: "名称，如 火情", "aria-label": "规则名称" }),
      keywords: h("input", { value: (r?.keywords ?? []).join("、"), placeholder: "关键词，用顿号或空格分隔", "aria-label": "关键词", class: "grow" }),
      excludes: h("input", { value: (r?.excludes ?? []).join("、"), placeholder: "排除词（出现则不算紧急）", "aria-label": "排除词", class: "grow" }),
      hotline: h("input", { value: r?.hotline ?? "", placeholder: "电话，如 119", "aria-label": "求助电话", size: 8 }),
      advice: h("textarea", { rows: 2, placeholder: "给居民的安全提示", "aria-label": "安全提示" }, r?.advice ?? ""),
      active: h("input", { type: "checkbox", checked: r ? r.active : true }),
      code: h("input", { placeholder: "编码（英文，如 flood）", "aria-label": "规则编码", size: 12 }),
    };
    const body = () => ({ name: f.name.value, keywords: words(f.keywords.value), excludes: words(f.excludes.value), hotline: f.hotline.value, advice: f.advice.value, active: f.active.checked });
    const save = () =>
      r
        ? attempt(() => api("PUT", `/api/admin/emergency-rules/${r.code}`, body()).then(reload), `已保存“${f.name.value}”，立即生效`)
        : attempt(() => api("POST", "/api/admin/emergency-rules", { code: f.code.value, ...body() }).then(reload), "已新增紧急规则，立即生效");
    return h(
      "div",
      { class: "rule", dataset: { rule: r?.code ?? "new" } },
      h("div", { class: "row" }, r ? h("b", {}, r.code) : f.code, f.name, f.hotline, h("label", { class: "small" }, f.active, "启用")),
      h("div", { class: "row" }, f.keywords),
      h("div", { class: "row" }, f.excludes),
      f.advice,
      h("button", { type: "button", onclick: save }, r ? "保存" : "新增规则"),
    );
  };
  return h(
    "section",
    { class: "card emergency" },
    h("h2", {}, `紧急规则（${rules.length}）`),
    h("p", { class: "muted small" }, "消息含关键词（且不含排除词）时，机器人立即回复求助电话和安全提示，不等分类，即使没有 @机器人。"),
    rules.map(form),
    h("h3", {}, "新增"),
    form(null),
  );
}

// ---- settings ----

function settingsCard({ values, defaults, labels }) {
  const inputs = {};
  const field = (key, control) => h("div", { class: "setting" }, h("label", { class: "small", for: `s-${key}` }, h("b", {}, labels[key].label)), control, h("div", { class: "muted small" }, labels[key].hint));
  const num = (key, step = "any") => (inputs[key] = h("input", { id: `s-${key}`, type: "number", step, value: String(values[key]) }));
  inputs.quietStart = h("input", { type: "time", value: values.quietHours.start, "aria-label": "免打扰开始" });
  inputs.quietEnd = h("input", { type: "time", value: values.quietHours.end, "aria-label": "免打扰结束" });
  inputs.autoDispatch = h("input", { id: "s-autoDispatch", type: "checkbox", checked: values.autoDispatch });
  inputs.chasePoints = h("input", { id: "s-chasePoints", value: values.chasePoints.join(", ") });
  inputs.triggerPrefixes = h("input", { id: "s-triggerPrefixes", value: (values.triggerPrefixes ?? defaults.triggerPrefixes).join(" ") });
  const w = ["response", "resolution", "satisfaction"].map((k) => (inputs[`w-${k}`] = h("input", { type: "number", step: "0.05", min: 0, max: 1, value: String(values.kpiWeights[k]), "aria-label": `权重 ${k}` })));
  const list = (s) => s.split(/[\s,，]+/).filter(Boolean);
  const save = () => {
    const next = {
      quietHours: { start: inputs.quietStart.value, end: inputs.quietEnd.value },
      autoDispatch: inputs.autoDispatch.checked,
      chasePoints: list(inputs.chasePoints.value).map(Number),
      secondEscalationHours: Number(inputs.secondEscalationHours.value),
      stillHandlingDays: Number(inputs.stillHandlingDays.value),
      surveyDelayHours: Number(inputs.surveyDelayHours.value),
      surveyReminderHours: Number(inputs.surveyReminderHours.value),
      surveyTimeoutDays: Number(inputs.surveyTimeoutDays.value),
      basicSatisfactionWeight: Number(inputs.basicSatisfactionWeight.value),
      kpiWeights: { response: Number(w[0].value), resolution: Number(w[1].value), satisfaction: Number(w[2].value) },
      cascadeThreshold: Number(inputs.cascadeThreshold.value),
      retentionDays: Number(inputs.retentionDays.value),
      triggerPrefixes: list(inputs.triggerPrefixes.value),
    };
    // Only what changed is sent, so two administrators editing different settings do not undo each other.
    const changed = Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(values[k] ?? (k === "triggerPrefixes" ? defaults.triggerPrefixes : undefined))));
    if (!Object.keys(changed).length) return toast("没有修改");
    return attempt(async () => {
      const r = await api("PATCH", "/api/admin/settings", changed);
      Object.assign(values, r.values);
    }, `已保存：${Object.keys(changed).map((k) => labels[k].label).join("、")}`);
  };
  return h(
    "section",
    { class: "card settings" },
    h("h2", {}, "运行设置"),
    h("div", { class: "settings-grid" },
      field("quietHours", h("div", { class: "row" }, inputs.quietStart, "至", inputs.quietEnd)),
      field("autoDispatch", inputs.autoDispatch),
      field("chasePoints", inputs.chasePoints),
      field("secondEscalationHours", num("secondEscalationHours")),
      field("stillHandlingDays", num("stillHandlingDays")),
      field("surveyDelayHours", num("surveyDelayHours")),
      field("surveyReminderHours", num("surveyReminderHours")),
      field("surveyTimeoutDays", num("surveyTimeoutDays")),
      field("basicSatisfactionWeight", num("basicSatisfactionWeight")),
      field("kpiWeights", h("div", { class: "row small" }, "响应", w[0], "解决", w[1], "满意", w[2])),
      field("cascadeThreshold", num("cascadeThreshold")),
      field("retentionDays", num("retentionDays", "1")),
      field("triggerPrefixes", inputs.triggerPrefixes),
    ),
    h("button", { class: "primary", type: "button", onclick: save }, "保存设置"),
  );
}
