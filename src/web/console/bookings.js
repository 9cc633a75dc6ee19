// 预约: the bookings of the places' services, newest time first, filtered by place and status, each with the steps
// the server allows (its `actions`): confirm, move to another time (a date and time, a word to the resident),
// decline (with the reason), done, cancel. The resident is told by the server; the page only asks and reloads.
import { api, attempt, fmt, h, onThisPage, options, qs, view } from "./lib.js";

const BUTTONS = { confirm: "确认", propose: "改约", decline: "婉拒", done: "完成", cancel: "取消预约" };
const DONE = { confirm: "已确认，已告知居民", propose: "已建议改约，等待居民确认", decline: "已婉拒，已告知居民", done: "已完成，将请居民评价", cancel: "已取消，已告知居民" };

export default async function bookingsView(params) {
  const q = Object.fromEntries(params);
  const [{ bookings, statusLabels }, { places }] = await Promise.all([api("GET", `/api/bookings?${qs({ placeId: q.placeId, status: q.status })}`), api("GET", "/api/places")]);
  const reload = onThisPage(() => bookingsView(params));

  const rows = bookings.map((b) => {
    const when = h("input", { type: "datetime-local", "aria-label": `${b.number} 新时间`, step: "900" });
    const note = h("input", { type: "text", placeholder: "原因或说明（婉拒、改约时告诉居民）", "aria-label": `${b.number} 说明`, maxlength: "300" });
    const act = (action) => {
      const body = { action };
      if (action === "propose") {
        if (!when.value) return when.focus();
        body.at = `${when.value.length === 16 ? `${when.value}:00` : when.value}+08:00`;
      }
      if ((action === "propose" || action === "decline") && note.value.trim()) body.note = note.value.trim();
      return attempt(() => api("POST", `/api/bookings/${b.number}/actions`, body), DONE[action]).then((ok) => ok && reload());
    };
    const takes = (a) => b.actions.includes(a);
    return h(
      "tr",
      { class: b.status },
      h("td", {}, h("b", {}, b.number), h("div", { class: "muted small" }, `登记 ${fmt(b.createdAt)}`)),
      h("td", {}, b.place.name, h("div", { class: "muted small" }, `${b.service.name} · ${b.service.durationMinutes} 分钟`)),
      h("td", {}, fmt(b.slotAt), b.proposedAt ? h("div", { class: "small" }, `建议改到 ${fmt(b.proposedAt)}`) : null),
      h("td", { class: "small" }, b.text, b.note ? h("div", { class: "muted" }, `说明：${b.note}`) : null),
      h("td", {}, h("span", { class: `pill ${b.status}` }, b.statusLabel), b.ratingLabel ? h("div", { class: "small" }, `评价：${b.ratingLabel}`) : null),
      h(
        "td",
        {},
        b.actions.length
          ? h("div", { class: "booking-actions" },
              h("div", { class: "row" }, ...["confirm", "done"].filter(takes).map((a) => h("button", { type: "button", class: "primary", onclick: () => act(a) }, BUTTONS[a]))),
              takes("propose") || takes("decline") ? note : null,
              takes("propose") ? h("div", { class: "row" }, when, h("button", { type: "button", onclick: () => act("propose") }, BUTTONS.propose)) : null,
              h("div", { class: "row" }, ...["decline", "cancel"].filter(takes).map((a) => h("button", { type: "button", onclick: () => act(a) }, BUTTONS[a]))))
          : h("span", { class: "muted small" }, "—"),
      ),
    );
  });

  const filter = h(
    "form",
    { class: "row", onchange: () => (location.hash = `#/bookings?${qs(Object.fromEntries(new FormData(filter)))}`), onsubmit: (e) => e.preventDefault() },
    h("select", { name: "placeId", "aria-label": "场所" }, options(places.map((p) => [String(p.id), p.name]), q.placeId, "全部场所")),
    h("select", { name: "status", "aria-label": "预约状态" }, options(Object.entries(statusLabels), q.status, "全部状态")),
  );
  view.replaceChildren(
    h("div", { class: "row spread" }, h("h1", {}, `预约（${bookings.length}）`), filter),
    h("p", { class: "muted small" }, "居民在聊天中预约服务场所的低偿服务；场所工作人员在工作群里回复“预约号 确认 / 改约 / 拒绝 / 完成”，也可以在这里处理。每一步都会告知居民；确认后前一天提醒，完成后请居民评价。"),
    bookings.length
      ? h("section", { class: "card table-wrap" }, h("table", { class: "bookings" }, h("thead", {}, h("tr", {}, ["预约号", "场所与服务", "时间", "居民留言", "状态", "处理"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)))
      : h("p", { class: "empty card" }, "没有符合条件的预约"),
  );
}
