// 组织与设置: how each channel is doing, which groups the bot serves and their grids, the area hierarchy and who
// answers for each area, the units and how they are reached (admin-areas.js), and the run-time settings. Every
// change applies from the next message. A district's or a street's administrator sees theirs, without what is the
// city's (channels, emergency rules, settings).
import { adminTabs, api, attempt, fmt, h, onThisPage, options, state, toast, view } from "./lib.js";
import { rolesCard } from "./admin-roles.js";
import { areasCard, CONTACT_CHANNELS, unitsCard } from "./admin-areas.js";

const CHANNELS = [["wechaty", "微信"], ["simulator", "模拟器"], ["http", "HTTP"]];
const channelLabel = (name) => [...CHANNELS, ...CONTACT_CHANNELS].find(([c]) => c === name)?.[1] ?? name;

export default async function orgView() {
  const cityWide = !state.user.area;
  const [org, joined, settings, emergency, channels] = await Promise.all([
    api("GET", "/api/admin/org"), api("GET", "/api/admin/groups/joined"),
    ...(cityWide ? [api("GET", "/api/admin/settings"), api("GET", "/api/admin/emergency-rules"), api("GET", "/api/admin/channels")] : []),
  ]);
  state.units = null; // pickers elsewhere read units and grids afresh after changes here
  const reload = onThisPage(() => orgView());
  const grids = org.areas.filter((a) => a.level === "grid");
  const gridOptions = (value) => options(grids.map((g) => [g.id, g.name]), value, "（未指定网格）");

  view.replaceChildren(
    adminTabs("/admin/org"),
    h("h1", {}, cityWide ? "组织与设置" : `组织（${org.scope.name}）`),
    cityWide ? channelsCard(channels) : h("p", { class: "muted small" }, `您管理${org.scope.name}及其下级区域、单位和服务的群；渠道、紧急规则和运行设置由市级管理员统一管理。`),
    groupsCard(org, joined.joined, gridOptions, reload),
    areasCard(org, reload), rolesCard(org, reload),
    unitsCard(org, reload),
    ...(cityWide ? [emergencyCard(emergency.rules, reload), settingsCard(settings), templatesCard(settings)] : []),
  );
}

// ---- channels ----

const CHANNEL_STATES = { up: "已连接", starting: "启动中", waiting_for_login: "等待扫码登录", down: "异常", stopped: "已停止", standby: "待命（另一实例连接中）", off: "未启用" };
const STATE_CLASS = { up: "ok", starting: "info", waiting_for_login: "warn", down: "bad", stopped: "bad", standby: "info", off: "" };
/** Channels whose address is pasted into WeChat's or WeCom's admin as the callback URL. */
const CALLBACK_CHANNELS = new Set(["wechat-mp", "wecom", "wecom-kf"]);
/** While a channel is coming up or waits for its QR code to be scanned, the card looks again this often. */
const CHANNELS_POLL_MS = 5000;

/** 渠道: whether each channel is on and working, what to paste into WeChat's admin, and Wechaty's login code. */
function channelsCard(data) {
  const card = h(
    "section",
    { class: "card channels" },
    h("h2", {}, "渠道"),
    h(
      "div",
      { class: "row small channel-env" },
      h("span", {}, h("span", { class: "muted" }, "对外地址（PUBLIC_URL）："), data.publicUrl ? h("code", {}, data.publicUrl) : "未设置"),
      h("span", { class: data.ffmpeg ? "" : "error" }, h("span", { class: "muted" }, "语音转 MP3（ffmpeg）："), data.ffmpeg ? "可用" : "不可用，AMR 语音只能下载后收听"),
      h("span", {}, h("span", { class: "muted" }, "语音转文字："), data.transcription ? "已配置" : "未配置（语音由工作人员收听后补录）"),
    ),
    h("ul", { class: "channel-list" }, data.channels.map(channelItem)),
  );
  if (data.channels.some((c) => c.state === "starting" || c.state === "waiting_for_login")) {
    setTimeout(async () => {
      if (!card.isConnected) return; // the page has moved on
      const next = await api("GET", "/api/admin/channels").catch(() => null);
      if (next && card.isConnected) card.replaceWith(channelsCard(next));
    }, CHANNELS_POLL_MS);
  }
  return card;
}

function channelItem(c) {
  const facts = [];
  if (!c.configured) facts.push(h("div", { class: "small" }, h("span", { class: "muted" }, "开启方式："), c.switch));
  else {
    if (c.tokenOk !== null) facts.push(h("div", { class: `small ${c.tokenOk ? "" : "error"}` }, `访问令牌：${c.tokenOk ? "正常" : "获取失败"}`));
    facts.push(h("div", { class: "small" }, h("span", { class: "muted" }, "最近消息："), c.lastMessageAt ? fmt(c.lastMessageAt) : "暂无"));
  }
  if (c.detail) facts.push(h("div", { class: "small muted" }, c.detail));
  if (c.lastError) facts.push(h("div", { class: "small error" }, `最近错误（${fmt(c.lastError.at)}）：${c.lastError.message}`));
  if (c.undeliverable) facts.push(h("div", { class: "small error" }, `未能送达的消息：${c.undeliverable} 条（居民再发消息时会补发）`));
  if (CALLBACK_CHANNELS.has(c.name)) {
    facts.push(c.callbackUrl
      ? copyField("回调地址", c.callbackUrl)
      : h("div", { class: "small" }, h("span", { class: "muted" }, "回调地址："), "设置 PUBLIC_URL 后显示回调地址", c.callbackPath ? h("span", { class: "muted" }, `（路径 ${c.callbackPath}）`) : null));
  } else if (c.callbackPath && c.configured) facts.push(h("div", { class: "small" }, h("span", { class: "muted" }, "地址："), h("code", {}, c.callbackPath)));
  return h(
    "li",
    { dataset: { channel: c.name } },
    h("div", { class: "row" }, h("b", {}, c.label), h("span", { class: `pill state ${STATE_CLASS[c.state] ?? ""}` }, CHANNEL_STATES[c.state] ?? c.state)),
    facts,
    c.qr ? loginCode(c.qr) : null,
  );
}

/** A read-only address with a button that copies it. */
function copyField(label, value) {
  const input = h("input", { value, readonly: true, "aria-label": label, class: "grow", onfocus: (e) => e.target.select() });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Without the clipboard API (a plain-HTTP address): select it, so Ctrl+C copies it.
      input.select();
      if (!document.execCommand?.("copy")) return toast("请按 Ctrl+C 复制已选中的地址");
    }
    toast(`已复制${label}`);
  };
  return h("div", { class: "row small copy" }, h("span", { class: "muted" }, `${label}：`), input, h("button", { type: "button", onclick: copy }, "复制"));
}

/** Wechaty's login QR code, drawn here from its modules with the 4-module quiet zone the standard asks for. */
function loginCode({ size, modules }) {
  const quiet = 4, scale = 6, side = (size + 2 * quiet) * scale;
  const canvas = h("canvas", { width: side, height: side, class: "qr", role: "img", "aria-label": "微信登录二维码" });
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, side, side);
  g.fillStyle = "#000";
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (modules[y * size + x] === "1") g.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
  return h("div", { class: "login-code" }, canvas, h("p", { class: "small error" }, "用机器人的微信扫码登录；扫码者即成为机器人，请勿外传"));
}

// ---- 服务号 subscription templates ----

const TEMPLATE_KINDS = [["progress", "进展通知"], ["survey", "回访"], ["reply", "回复"], ["emergency", "紧急"]];
const MAX_TEMPLATES = 10;

/** "thing1=case_number time2=time" ⇄ { thing1: "case_number", time2: "time" }; null when a part is not k=v. */
const fieldsText = (fields) => Object.entries(fields ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
function parseFields(text) {
  const fields = {};
  for (const part of text.split(/[\s,，]+/).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    if (!m) return null;
    fields[m[1].trim()] = m[2].trim();
  }
  return fields;
}

/** The 服务号's subscription notice templates: which messages each carries and what each keyword shows. */
function templatesCard({ values, labels }) {
  const list = h("div", { class: "templates" });
  const rows = [];
  const add = h("button", { type: "button", onclick: () => addRow() }, "＋添加模板");
  const refresh = () => {
    add.disabled = rows.length >= MAX_TEMPLATES;
    list.replaceChildren(...(rows.length ? rows.map((r) => r.el) : [h("p", { class: "muted small" }, "尚未配置模板：48 小时外的消息无法送达服务号居民，会记为未能送达。")]));
  };
  function addRow(t = { templateId: "", kinds: ["progress"], fields: {} }) {
    const row = {
      id: h("input", { value: t.templateId, placeholder: "模板 ID", "aria-label": "模板 ID", class: "grow", spellcheck: false }),
      kinds: TEMPLATE_KINDS.map(([k]) => [k, h("input", { type: "checkbox", value: k, checked: t.kinds.includes(k) })]),
      fields: h("input", { value: fieldsText(t.fields), placeholder: "character_string1=case_number thing2=matter_name phrase3=status time4=time", "aria-label": "模板字段", class: "grow", spellcheck: false }),
    };
    row.el = h(
      "div",
      { class: "template" },
      h("div", { class: "row" }, h("span", { class: "small muted" }, "模板 ID"), row.id, h("button", { type: "button", class: "link", onclick: () => (rows.splice(rows.indexOf(row), 1), refresh()) }, "删除")),
      h("div", { class: "row small" }, h("span", { class: "muted" }, "用于"), row.kinds.map(([k, box]) => h("label", {}, box, TEMPLATE_KINDS.find(([x]) => x === k)[1]))),
      h("div", { class: "row" }, h("span", { class: "small muted" }, "字段"), row.fields),
    );
    rows.push(row);
    refresh();
  }
  for (const t of values.mpSubscribeTemplates ?? []) addRow(t);
  refresh();
  const save = () => {
    const templates = [];
    for (const [i, r] of rows.entries()) {
      const fields = parseFields(r.fields.value);
      if (!fields) return toast(`第 ${i + 1} 个模板的字段写法应为 关键词=内容，如 thing2=matter_name`, true);
      templates.push({ templateId: r.id.value.trim(), kinds: r.kinds.filter(([, box]) => box.checked).map(([k]) => k), fields });
    }
    return attempt(async () => {
      const res = await api("PATCH", "/api/admin/settings", { mpSubscribeTemplates: templates });
      values.mpSubscribeTemplates = res.values.mpSubscribeTemplates;
    }, `已保存：${labels.mpSubscribeTemplates.label}`);
  };
  return h(
    "section",
    { class: "card subscribe-templates" },
    h("h2", {}, labels.mpSubscribeTemplates.label),
    h("p", { class: "muted small" }, labels.mpSubscribeTemplates.hint),
    list,
    h("div", { class: "row" }, add, h("button", { class: "primary", type: "button", onclick: save }, "保存模板")),
  );
}

// ---- groups ----

function groupsCard(org, joined, gridOptions, reload) {
  const rows = org.groups.map((g) =>
    h(
      "tr",
      { dataset: { group: g.chatId } },
      h("td", {}, g.name, h("div", { class: "muted small" }, `${channelLabel(g.channel)} · ${g.chatId}`)),
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
      ? h("ul", { class: "joined" }, offered.map((j) => h("li", {}, `${j.name}（${channelLabel(j.channel)}）`, " ", h("button", { type: "button", onclick: () => serve({ channel: j.channel, chatId: j.chatId, name: j.name }) }, "服务此群"))))
      : h("p", { class: "muted small" }, "机器人所在的群都已在名单中（微信未登录时这里为空）。"),
    h("div", { class: "row" }, manual.channel, manual.chatId, manual.name, h("button", { type: "button", onclick: () => serve({ channel: manual.channel.value, chatId: manual.chatId.value, name: manual.name.value }) }, "按 ID 添加")),
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
  inputs.llmExamples = h("input", { id: "s-llmExamples", type: "checkbox", checked: values.llmExamples ?? defaults.llmExamples });
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
      thirdEscalationHours: Number(inputs.thirdEscalationHours.value),
      stillHandlingDays: Number(inputs.stillHandlingDays.value),
      surveyDelayHours: Number(inputs.surveyDelayHours.value),
      surveyReminderHours: Number(inputs.surveyReminderHours.value),
      surveyTimeoutDays: Number(inputs.surveyTimeoutDays.value),
      basicSatisfactionWeight: Number(inputs.basicSatisfactionWeight.value),
      kpiWeights: { response: Number(w[0].value), resolution: Number(w[1].value), satisfaction: Number(w[2].value) },
      cascadeThreshold: Number(inputs.cascadeThreshold.value),
      llmExamples: inputs.llmExamples.checked,
      retentionDays: Number(inputs.retentionDays.value),
      triggerPrefixes: list(inputs.triggerPrefixes.value),
      photoWindowMinutes: Number(inputs.photoWindowMinutes.value),
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
      field("thirdEscalationHours", num("thirdEscalationHours")),
      field("stillHandlingDays", num("stillHandlingDays")),
      field("surveyDelayHours", num("surveyDelayHours")),
      field("surveyReminderHours", num("surveyReminderHours")),
      field("surveyTimeoutDays", num("surveyTimeoutDays")),
      field("basicSatisfactionWeight", num("basicSatisfactionWeight")),
      field("kpiWeights", h("div", { class: "row small" }, "响应", w[0], "解决", w[1], "满意", w[2])),
      field("cascadeThreshold", num("cascadeThreshold")),
      field("llmExamples", inputs.llmExamples),
      field("retentionDays", num("retentionDays", "1")),
      field("triggerPrefixes", inputs.triggerPrefixes),
      field("photoWindowMinutes", (inputs.photoWindowMinutes = h("input", { id: "s-photoWindowMinutes", type: "number", step: "1", min: 1, max: 1440, value: String(values.photoWindowMinutes ?? defaults.photoWindowMinutes) }))),
    ),
    h("button", { class: "primary", type: "button", onclick: save }, "保存设置"),
  );
}
