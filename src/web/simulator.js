// The simulator page's script (served as /simulator.js: the page's Content-Security-Policy allows no inline script).
const RESIDENTS = [
  { id: "sim-resident-1", name: "张阿姨" },
  { id: "sim-resident-2", name: "李先生" },
  { id: "sim-resident-3", name: "王女士" },
];
const $ = (id) => document.getElementById(id);
const state = { chats: [], chat: null, botName: "小民", seen: new Set(), lastAt: null, timer: null };

function resident() { return RESIDENTS.find((r) => r.id === $("resident").value); }
function escapeHtml(s) { return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }
const STATUS = { needs_review: "待人工确认", accepted: "已受理", dispatched: "已派单", in_progress: "办理中", resolved: "已办结", awaiting_feedback: "待回访", closed: "已结案", reopened: "重办中", returned: "已退单", merged: "已合并", withdrawn: "已撤回", rejected: "不予受理" };

async function api(path, options) {
  const res = await fetch(path, { headers: { "content-type": "application/json" }, ...options });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error?.message || `请求失败（${res.status}）`);
  return body;
}

const RESIDENT_EXAMPLES = [
  ["电梯坏了", "3号楼电梯坏了两天了，老人上下楼很困难"],
  ["垃圾没人收", "小区门口的垃圾两天没人收了，臭得不行"],
  ["路灯不亮", "路灯不亮了，晚上很黑"],
  ["煤气味", "5号楼楼道里有很浓的煤气味"],
  ["评价：满意", "1"],
  ["评价：不满意", "3 还是没修好"],
];
const STAFF_EXAMPLES = [
  ["签收", "{case} 签收"],
  ["办结", "{case} 已办结 已安排维修人员处理完毕"],
  ["退单", "{case} 退单 不属于本单位职责"],
  ["进展", "{case} 进展 维修人员已到现场"],
];

async function loadChats() {
  const data = await api("/api/simulator/chats");
  state.botName = data.botName;
  document.querySelectorAll(".bot-name").forEach((el) => (el.textContent = data.botName));
  state.chats = [
    ...data.chats.map((c) => ({ ...c, sub: c.grid ? `所属网格：${c.grid}` : "未关联网格", section: "居民群" })),
    ...RESIDENTS.map((r) => ({ chatId: `sim-private-${r.id}`, name: `${r.name} 与 ${data.botName} 的私聊`, isGroup: false, sub: "私聊", residentId: r.id, section: "私聊" })),
    ...data.workRooms.map((c) => ({ ...c, sub: c.role === "unit" ? `承办单位：${c.owner}` : `督办对象：${c.owner}`, section: "工作群（扮演承办单位、社区、街道）", staff: true })),
  ];
  let section = "";
  $("chats").innerHTML = state.chats
    .map((c, i) => {
      const head = c.section !== section ? `<li class="section">${escapeHtml((section = c.section))}</li>` : "";
      return `${head}<li data-i="${i}"><div class="name">${escapeHtml(c.name)}</div><div class="sub">${escapeHtml(c.sub)}</div></li>`;
    })
    .join("");
  $("resident").innerHTML = RESIDENTS.map((r) => `<option value="${r.id}">${r.name}</option>`).join("");
  showClock(data.clock);
  selectChat(0);
}

function showClock(clock) {
  state.clock = clock;
  const d = new Date(clock.now);
  $("now").textContent = d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false });
  document.querySelectorAll("#clock-buttons button").forEach((b) => {
    b.disabled = !clock.adjustable;
    b.title = clock.adjustable ? "让时间前进，跟进任务（催办、督办、回访）随之执行" : "只有开发模式可以调整时钟";
  });
}

async function advance(hours) {
  document.querySelectorAll("#clock-buttons button").forEach((b) => (b.disabled = true));
  try {
    const { clock } = await api("/api/simulator/clock", { method: "POST", body: JSON.stringify({ advanceHours: hours }) });
    showClock(clock);
    await refresh();
  } catch (e) {
    $("error").textContent = e.message;
    showClock(state.clock);
  }
}

function lastCaseNumber() {
  const all = [...document.querySelectorAll("#messages .bubble")].map((b) => b.textContent.match(/\d{4}-\d{6}/)).filter(Boolean);
  return all.length ? all[all.length - 1][0] : "2026-000001";
}

function showExamples() {
  const list = state.chat.staff ? STAFF_EXAMPLES : RESIDENT_EXAMPLES;
  $("examples").innerHTML = list.map(([label, text], i) => `<button type="button" data-example="${i}">${escapeHtml(label)}</button>`).join(" ");
  $("examples").querySelectorAll("button").forEach((b) =>
    b.addEventListener("click", () => {
      $("text").value = list[Number(b.dataset.example)][1].replace("{case}", lastCaseNumber());
      $("text").focus();
    }),
  );
}

function selectChat(i) {
  state.chat = state.chats[i];
  state.seen = new Set();
  state.lastAt = null;
  document.querySelectorAll("#chats li[data-i]").forEach((li) => li.classList.toggle("active", Number(li.dataset.i) === i));
  $("title").textContent = state.chat.name;
  $("subtitle").textContent = state.chat.staff
    ? "工作群 · 回复“工单号 签收 / 已办结 结果 / 退单 原因 / 进展 内容”"
    : state.chat.isGroup ? "群聊 · 在消息里 @机器人 或以 #诉求 开头" : "私聊 · 直接发送即可";
  $("mention").closest("label").style.display = state.chat.isGroup && !state.chat.staff ? "" : "none";
  $("mention").checked = !state.chat.staff;
  if (!state.chat.isGroup) $("resident").value = state.chat.residentId;
  $("resident").disabled = !state.chat.isGroup || state.chat.staff;
  $("resident-label").textContent = state.chat.staff ? `当前身份：${state.chat.owner}工作人员` : "当前身份（居民）";
  showExamples();
  $("messages").innerHTML = "";
  refresh();
}

function render(m) {
  const el = document.createElement("div");
  if (m.from === "bot") {
    const mentions = (m.mentions || []).map((x) => `<span class="at">@${escapeHtml(x.name || x.id)}</span> `).join("");
    const c = m.case;
    const tag = c ? (c.urgency === "emergency" ? `<span class="tag emergency">紧急</span>` : c.status === "needs_review" ? `<span class="tag review">待人工确认</span>` : `<span class="tag">${STATUS[c.status] || c.status}</span>`) : "";
    // One live card per case, under its latest message.
    if (c) document.querySelectorAll(`#messages .card[data-case="${c.number}"]`).forEach((el) => el.remove());
    const card = c ? `<div class="card" data-case="${escapeHtml(c.number)}">工单 <b>${escapeHtml(c.number)}</b>${tag}<br>事项：${escapeHtml(c.matter || "待确认")}　承办：${escapeHtml(c.leadUnit || "待确认")}</div>` : "";
    el.className = "msg bot";
    el.innerHTML = `<div class="avatar">民</div><div class="body"><div class="sender">${escapeHtml(state.botName)}</div><div class="bubble${c && c.urgency === "emergency" ? " emergency" : ""}"><span class="words">${mentions}${escapeHtml(m.text)}</span>${attachmentsHtml(m.attachments)}</div>${card}</div>`;
  } else {
    const r = RESIDENTS.find((x) => x.id === m.senderId);
    el.className = "msg me";
    const color = ["#6d8fc9", "#c98a6d", "#9a6dc9"][RESIDENTS.indexOf(r) % 3] || "#999";
    // A pin's label is its text too: say it once, with the pin.
    const words = m.kind === "location" ? "" : m.text;
    el.innerHTML = `<div class="avatar" style="background:${color}">${escapeHtml((m.senderName || "?").slice(0, 1))}</div><div class="body"><div class="sender">${escapeHtml(m.senderName || m.senderId)}</div><div class="bubble${!words && photoOnly(m.attachments) ? " bare" : ""}">${words ? `<span class="words">${escapeHtml(words)}</span>` : ""}${attachmentsHtml(m.attachments)}</div></div>`;
  }
  return el;
}

/** A message of photos alone shows them without a bubble, as WeChat does. */
const photoOnly = (list) => Boolean(list && list.length) && list.every((a) => a.kind === "image" && a.url);

/** Photos (click to enlarge), voice to play, and pins, inside a message's bubble. */
function attachmentsHtml(list) {
  return (list || [])
    .map((a) => {
      if (a.kind === "location") return `<div class="pin">📍 ${escapeHtml(a.label || `${a.latitude}, ${a.longitude}`)}</div>`;
      if (!a.url) return `<div class="pending">${a.kind === "voice" ? "语音" : "照片"}${a.status === "failed" ? "未能保存" : "处理中…"}</div>`;
      if (a.kind === "voice") return `<audio controls preload="metadata" src="${escapeHtml(a.url)}" aria-label="语音"></audio>`;
      return `<button type="button" class="photo" title="点击放大"><img src="${escapeHtml(a.url)}" alt="照片"></button>`;
    })
    .join("");
}

function enlarge(src) {
  const box = document.createElement("div");
  box.className = "lightbox";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "照片");
  box.innerHTML = `<img src="${escapeHtml(src)}" alt="照片">`;
  const close = () => (box.remove(), document.removeEventListener("keydown", onKey));
  const onKey = (e) => e.key === "Escape" && close();
  box.addEventListener("click", close);
  document.addEventListener("keydown", onKey);
  document.body.appendChild(box);
}

async function refresh() {
  if (!state.chat) return;
  const chat = state.chat;
  const after = state.lastAt ? `&after=${encodeURIComponent(new Date(new Date(state.lastAt).getTime() - 5000).toISOString())}` : "";
  try {
    const { messages } = await api(`/api/simulator/messages?chatId=${encodeURIComponent(chat.chatId)}${after}`);
    if (chat !== state.chat) return;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    if (messages.length) box.querySelectorAll(".notice").forEach((n) => n.remove());
    for (const m of messages) {
      if (state.seen.has(m.key)) continue;
      state.seen.add(m.key);
      box.appendChild(render(m));
      if (!state.lastAt || m.at > state.lastAt) state.lastAt = m.at;
    }
    if (!box.children.length) box.innerHTML = `<p class="notice">还没有消息。试试点击下方的示例。</p>`;
    if (atBottom || messages.length) box.scrollTop = box.scrollHeight;
  } catch (e) {
    $("error").textContent = e.message;
  }
}

/** Posts one message as the current person (a resident, or a unit's staff in a work room); true when it went. */
async function post(content) {
  if (!state.chat) return false;
  const r = state.chat.staff ? { id: `sim-staff-${state.chat.chatId}`, name: `${state.chat.owner}工作人员` } : resident();
  const buttons = [$("send"), $("photo"), $("pin-send")];
  buttons.forEach((b) => (b.disabled = true));
  $("error").textContent = "";
  try {
    const mention = state.chat.isGroup && $("mention").checked;
    const text = content.text ? (mention ? `@${state.botName} ${content.text}` : content.text) : undefined;
    await api("/api/simulator/messages", {
      method: "POST",
      body: JSON.stringify({ chatId: state.chat.chatId, senderId: r.id, senderName: r.name, ...content, text, mentionsBot: mention }),
    });
    await refresh();
    return true;
  } catch (e) {
    $("error").textContent = e.message;
    return false;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

async function send(ev) {
  ev.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  if (await post({ text })) $("text").value = "";
  $("text").focus();
}

const MAX_FILE = 5 * 1024 * 1024;

/** A photo or a recording from this computer, sent as the resident's 图片 or 语音 message. */
async function sendFile() {
  const file = $("file").files[0];
  $("file").value = ""; // the same file may be chosen again
  if (!file) return;
  const kind = file.type.startsWith("image/") ? "image" : file.type.startsWith("audio/") ? "voice" : null;
  if (!kind) return ($("error").textContent = "只能发送图片或语音（音频）文件");
  if (file.size > MAX_FILE) return ($("error").textContent = "文件不能超过 5 MB");
  const base64 = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  await post({ file: { kind, name: file.name, base64 } });
}

function togglePinForm(open = $("pin-form").hidden) {
  $("pin-form").hidden = !open;
  $("pin").setAttribute("aria-expanded", String(open));
  if (open) $("pin-label").focus();
}

async function sendPin() {
  const latitude = Number($("pin-lat").value), longitude = Number($("pin-lng").value);
  if (!$("pin-lat").value || !$("pin-lng").value || !Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    $("error").textContent = "请填写有效的纬度（-90 至 90）和经度（-180 至 180）";
    return;
  }
  const label = $("pin-label").value.trim();
  if (await post({ location: { latitude, longitude, ...(label ? { label } : {}) } })) togglePinForm(false);
}

$("chats").addEventListener("click", (e) => { const li = e.target.closest("li[data-i]"); if (li) selectChat(Number(li.dataset.i)); });
$("composer").addEventListener("submit", send);
$("photo").addEventListener("click", () => $("file").click());
$("file").addEventListener("change", () => sendFile().catch((e) => ($("error").textContent = e.message)));
$("pin").addEventListener("click", () => togglePinForm());
$("pin-cancel").addEventListener("click", () => togglePinForm(false));
$("pin-send").addEventListener("click", sendPin);
$("pin-form").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); sendPin(); } });
$("messages").addEventListener("click", (e) => { const b = e.target.closest(".photo"); if (b) enlarge(b.querySelector("img").src); });
// A photo loads after the transcript has scrolled down: keep the newest message in view.
$("messages").addEventListener("load", (e) => {
  const box = $("messages");
  if (e.target.tagName === "IMG" && e.target.closest(".msg") === box.lastElementChild) box.scrollTop = box.scrollHeight;
}, true);
$("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e); });
document.querySelectorAll("#clock-buttons button").forEach((b) => b.addEventListener("click", () => advance(Number(b.dataset.hours))));
loadChats().catch((e) => ($("error").textContent = e.message));
state.timer = setInterval(refresh, 2000);
