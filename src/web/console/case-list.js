// The case list (工单): the filters, one page of cases, the pager and the exports.
import { api, chinaDayStart, countdown, escalationPill, fmt, h, options, qs, reference, statusPill, view } from "./lib.js";

const STATUS_OPTIONS = [
  ["needs_review", "待人工确认"], ["accepted", "已受理"], ["dispatched", "已派单"], ["in_progress", "办理中"], ["resolved", "已办结"],
  ["awaiting_feedback", "待回访"], ["closed", "已结案"], ["returned", "已退单"], ["reopened", "重办中"], ["merged", "已合并"], ["withdrawn", "已撤回"], ["rejected", "不予受理"],
];

export default async function casesView(params) {
  const [{ units, grids }, { matters }] = await Promise.all([reference(), api("GET", "/api/matters?limit=600")]);
  const q = Object.fromEntries(params);
  const form = h(
    "form",
    { class: "card filters", onsubmit: (e) => {
      e.preventDefault();
      const f = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
      for (const k of ["from", "to"]) if (f[k]) f[k] = chinaDayStart(f[k]);
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
      h("td", {}, h("a", { href: `#/cases/${c.number}` }, c.number), " ", statusPill(c), escalationPill(c)),
      h("td", {}, c.reporterCount > 1 ? h("span", { class: "pill", title: "同诉：反映这件事的居民人数" }, `${c.reporterCount} 人反映`) : null, c.reporterCount > 1 ? " " : null, c.text.length > 60 ? c.text.slice(0, 60) + "…" : c.text),
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
