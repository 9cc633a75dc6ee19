// Shared by the console's pages: building elements, calling the API, messages, formatting.
// Every text from the server is put in the page as text, never as HTML.

export const view = document.getElementById("view");
/** Set by console.js: what the app does when the session has ended (show the sign-in form), and how it draws the
 * page the address names again (route); the page modules call these without importing console.js. */
export const hooks = { unauthorized: () => {}, route: () => {} };

/** `route` counts the pages shown: console.js adds one each time the address changes. */
export const state = { user: null, csrf: "", units: null, grids: null, skew: 0, route: 0 };
/** The service's clock, which deadlines are measured by (the simulator may have moved it forward). */
export const serverNow = () => Date.now() + state.skew;

// ---- helpers ----------------------------------------------------------------------------------------------

/** Creates an element: h("button", { class: "primary", onclick }, "确认"). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `请求失败（${status}）`);
    this.status = status;
    this.body = body;
  }
}

/** A read answered after the user has gone to another page: its page is not drawn over the one now shown. */
export class StaleError extends Error {}

export async function api(method, path, body) {
  const shown = state.route;
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(method !== "GET" ? { "x-csrf-token": state.csrf } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== "/api/auth/login") {
    state.user = null;
    hooks.unauthorized();
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  if (method === "GET" && shown !== state.route) throw new StaleError(path);
  return data;
}

/** `fn`, to be run later for the page shown now (a reload after an action): a no-op once another page is shown. */
export function onThisPage(fn) {
  const shown = state.route;
  return (...args) => (shown === state.route ? fn(...args) : undefined);
}

export function toast(message, bad = false) {
  const t = document.getElementById("toast");
  t.textContent = message;
  t.className = bad ? "bad" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), bad ? 6000 : 3000);
}

/** Runs an action from a button, showing the server's Chinese error if it is refused. */
export async function attempt(fn, done) {
  try {
    await fn();
    if (done) toast(done);
    return true;
  } catch (err) {
    if (err.status !== 401 && !(err instanceof StaleError)) toast(err.message, true);
    return false;
  }
}

export const dateTime = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
export const fmt = (iso) => (iso ? dateTime.format(new Date(iso)) : "—");
export const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
/** The instant a China day ("2026-11-02") begins, or `plusDays` days later, as the API's ISO time. */
export const chinaDayStart = (day, plusDays = 0) => new Date(new Date(`${day}T00:00:00+08:00`).getTime() + plusDays * 86400_000).toISOString();
export const qs = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== undefined && v !== null && v !== false)).toString();

/** "还剩 3小时20分" or "已超时 1天2小时", from now. */
export function countdown(iso) {
  if (!iso) return "";
  let ms = new Date(iso).getTime() - serverNow();
  const late = ms < 0;
  ms = Math.abs(ms);
  const d = Math.floor(ms / 86400_000), hr = Math.floor((ms % 86400_000) / 3600_000), min = Math.floor((ms % 3600_000) / 60_000);
  const span = d ? `${d}天${hr}小时` : hr ? `${hr}小时${min}分` : `${min}分钟`;
  return late ? `已超时 ${span}` : `还剩 ${span}`;
}

export const statusPill = (c) => h("span", { class: `pill ${c.status}` }, c.statusLabel);
/** 督办 / 二级督办 (the street) / 三级督办 (the district) beside the status, when the case has been escalated. */
const ESCALATION_LABELS = ["", "督办", "二级督办", "三级督办"];
export const escalationPill = (c) => (c.escalationLevel ? h("span", { class: "pill late" }, ESCALATION_LABELS[Math.min(c.escalationLevel, 3)]) : null);
export const SOURCE_LABELS = { llm: "大模型", local: "本地分类器", rule: "规则", worker: "人工", pending: "待人工（语音）" };
export const EVENT_LABELS = {
  opened: "受理", confirm: "确认", dispatch: "派单", reassign: "改派", accept: "签收", start: "开始办理", resolve: "办结", return: "退单",
  request_feedback: "回访", evaluate_ok: "评价", expire_feedback: "未评价结案", close: "结案", reopen: "重办", merge: "合并", withdraw: "撤回",
  reject: "不予受理", public_note: "公开备注", internal_note: "内部备注", chased: "催办", escalated: "督办", unit_unreachable: "承办单位无法送达",
  info_completed: "补充信息", still_handling: "进展告知",
  media_added: "补充照片或位置", voice_pending: "语音待转写", undeliverable: "未能送达", transcribe: "补录语音文字",
  reporter_joined: "同诉并入", reporter_rated: "同诉居民评价", split: "拆分同诉", resident_message: "居民留言", hotspot_task: "热点转办",
  reporters_merged: "同诉随合并计入", reporter_took_over: "同诉居民接手",
  offer_volunteers: "交志愿者认领", volunteer_claim: "志愿者认领", volunteer_unclaimed: "无人认领转办", household_notified: "告知党员中心户", household_visit: "党员中心户走访",
  units_resolved: "确定承办单位",
};
/** How an outgoing message went out (the outbox's `via`). */
export const VIA_LABELS = {
  passive: "被动回复", custom: "客服消息", subscribe: "订阅通知", kf: "微信客服", app: "企业微信应用消息", appchat: "企业微信群聊", response: "HTTP 响应",
};
/** What a resident's message was, when it was not words. */
export const INBOUND_KIND_LABELS = { image: "居民发来照片", voice: "居民发来语音", location: "居民发来位置", unsupported: "居民消息（暂不支持的类型）" };

/** The number beside 待审核 in the header. */
export async function refreshReviewCount() {
  const r = await api("GET", "/api/cases?view=review&pageSize=1").catch(() => null);
  document.getElementById("review-count").textContent = r && r.total ? String(r.total) : "";
}

export async function reference() {
  if (!state.units) [state.units, state.grids] = await Promise.all([api("GET", "/api/units").then((r) => r.units), api("GET", "/api/grids").then((r) => r.grids)]);
  return { units: state.units, grids: state.grids };
}

export const options = (items, value, empty) => [
  ...(empty !== undefined ? [h("option", { value: "" }, empty)] : []),
  ...items.map(([v, label]) => h("option", { value: String(v), selected: String(v) === String(value ?? "") }, label)),
];


/**
 * Shows a photo over the page, as large as the screen allows; a click anywhere or Esc closes it and gives the
 * focus back to what opened it.
 */
export function lightbox(src, alt) {
  const opener = document.activeElement;
  const close = () => {
    overlay.remove();
    document.removeEventListener("keydown", onKey);
    opener?.focus?.();
  };
  const onKey = (e) => e.key === "Escape" && close();
  const overlay = h(
    "div",
    { class: "lightbox", role: "dialog", "aria-modal": "true", "aria-label": alt, tabindex: "-1", onclick: close },
    h("img", { src, alt }),
    h("span", { class: "lightbox-hint" }, "点击任意处或按 Esc 关闭"),
  );
  document.addEventListener("keydown", onKey);
  document.body.append(overlay);
  overlay.focus();
  return overlay;
}

/** The administrators' pages; those marked city-wide are the city's administrators' only (a district's or a street's keep the rest for their area). */
export const ADMIN_TABS = [["/admin/prompts", "提示词", true], ["/admin/replies", "回复文案", true], ["/admin/list", "职责清单", true], ["/admin/org", "组织与设置"], ["/admin/places", "服务场所"], ["/admin/volunteers", "志愿者"], ["/users", "账号"]];
/** The pages this administrator has. */
export const adminPages = () => ADMIN_TABS.filter(([, , cityWide]) => !cityWide || !state.user?.area);

/** The tabs above every administrators' page. */
export function adminTabs(active) {
  return h("nav", { class: "tabs" }, adminPages().map(([path, label]) => h("a", { href: `#${path}`, class: path === active ? "active" : "" }, label)));
}

/** A chosen file's bytes as base64, as the import routes take them. */
export async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
