// 热点 (未诉先办 · 每月一题): the hotspots the nightly pass found in this worker's areas, each with the cases behind
// it, to be turned into a proactive task or set aside; and per month and community the problems that recur, with
// the month before, the trend and satisfaction (ECharts and a table, exportable) — the candidates for 每月一题.
import { api, attempt, fmt, h, onThisPage, options, pct, qs, view } from "./lib.js";

const KIND_LABELS = { repeat: "反复出现", rising: "明显上升" };
const STATUS_LABELS = { open: "待处理", tasked: "已转主动任务", dismissed: "已忽略" };

export default async function hotspotsView(params) {
  const q = Object.fromEntries(params);
  const months = q.months ?? "6";
  const [{ hotspots }, monthly] = await Promise.all([api("GET", `/api/hotspots?${qs({ status: q.status })}`), api("GET", `/api/hotspots/monthly?${qs({ months })}`)]);
  const reload = onThisPage(() => hotspotsView(params));
  const run = (fn, done) => attempt(fn, done).then((ok) => ok && reload());

  const rows = hotspots.map((s) => h(
    "tr",
    { class: s.status },
    h("td", {}, h("b", {}, s.area.name), h("div", { class: "muted small" }, s.area.level === "building" ? "楼栋" : "社区")),
    h("td", {}, s.matter.name, h("div", { class: "muted small" }, s.matter.code)),
    h("td", { class: "num" }, h("b", {}, String(s.count)), h("div", { class: "muted small" }, `上期 ${s.previousCount}`)),
    h("td", {}, h("span", { class: `pill ${s.kind === "rising" ? "late" : ""}` }, KIND_LABELS[s.kind] ?? s.kind)),
    h("td", { class: "small" }, s.cases.flatMap((n, i) => [i ? "、" : "", h("a", { href: `#/cases/${n}` }, n)])),
    h("td", { class: "small" }, fmt(s.firstSeenAt), h("div", { class: "muted" }, `最近 ${fmt(s.lastSeenAt)}`)),
    h(
      "td",
      {},
      s.task
        ? h("a", { href: `#/cases/${s.task.number}` }, `主动任务 ${s.task.number}`)
        : s.status === "open"
          ? h("div", { class: "row" },
              h("button", { type: "button", class: "primary", onclick: () => run(() => api("POST", `/api/hotspots/${s.id}/task`, {}), "已转为主动任务并派单") }, "转为主动任务"),
              h("button", { type: "button", onclick: () => run(() => api("POST", `/api/hotspots/${s.id}/dismiss`, {}), "已忽略") }, "忽略"))
          : h("span", { class: "muted small" }, STATUS_LABELS[s.status] ?? s.status),
    ),
  ));

  const filter = h(
    "form",
    { class: "row", onchange: () => (location.hash = `#/hotspots?${qs(Object.fromEntries(new FormData(filter)))}`), onsubmit: (e) => e.preventDefault() },
    h("select", { name: "status", "aria-label": "热点状态" }, options([["open", "待处理"], ["tasked", "已转主动任务"], ["dismissed", "已忽略"], ["all", "全部"]], q.status, "待处理和已转任务")),
    h("select", { name: "months", "aria-label": "月数" }, options([["3", "近 3 个月"], ["6", "近 6 个月"], ["12", "近 12 个月"]], months)),
  );
  const chart = h("div", { class: "chart", id: "hotspot-chart", role: "img", "aria-label": "每月反复出现的问题" });
  const trend = monthly.trendLabels ?? {};
  view.replaceChildren(
    h("div", { class: "row spread" }, h("h1", {}, `热点（${hotspots.length}）`), filter),
    h("p", { class: "muted small" }, "同一楼栋或社区、同一事项在统计期内反复出现的诉求（未诉先办）。社区和街道已收到提醒；可转为主动任务，按同样的流程派单、催办、督办。"),
    hotspots.length
      ? h("section", { class: "card table-wrap" }, h("table", { class: "hotspots" }, h("thead", {}, h("tr", {}, ["区域", "事项", "件数", "类型", "工单", "发现时间", "处置"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)))
      : h("p", { class: "empty card" }, "目前没有热点"),
    h(
      "section",
      { class: "card" },
      h("div", { class: "row spread" }, h("h2", {}, "每月一题候选"), h("span", { class: "row small" }, "导出：", h("a", { href: `/api/hotspots/monthly.xlsx?${qs({ months })}` }, "Excel"), h("a", { href: `/api/hotspots/monthly.csv?${qs({ months })}` }, "CSV"))),
      h("p", { class: "muted small" }, "每月各社区反复出现（2 件及以上）的问题，件数、与上月相比的趋势和满意率。"),
      monthly.rows.length ? chart : null,
      monthly.rows.length
        ? h("div", { class: "table-wrap" }, h("table", { class: "kpi-table" },
            h("thead", {}, h("tr", {}, ["月份", "社区", "事项", "件数", "上月", "趋势", "已评价", "满意率"].map((t, i) => h("th", { class: i > 2 ? "num" : "" }, t)))),
            h("tbody", {}, monthly.rows.map((r) => h("tr", {}, h("td", {}, r.month), h("td", {}, r.community), h("td", {}, r.matter), h("td", { class: "num" }, String(r.count)), h("td", { class: "num" }, String(r.previousCount)), h("td", { class: `num ${r.trend === "up" ? "error" : ""}` }, trend[r.trend] ?? r.trend), h("td", { class: "num" }, String(r.evaluated)), h("td", { class: "num" }, pct(r.satisfactionRate)))))))
        : h("p", { class: "empty" }, "所选月份没有反复出现的问题"),
    ),
  );
  if (monthly.rows.length) drawChart(monthly.rows, chart);
}

/** The recurring problems' counts by month, one bar series per community and matter (the ten largest). */
function drawChart(rows, el) {
  if (!window.echarts) return;
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const totals = new Map();
  for (const r of rows) totals.set(`${r.community} · ${r.matter}`, (totals.get(`${r.community} · ${r.matter}`) ?? 0) + r.count);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name]) => name);
  const chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", minInterval: 1, name: "件" },
    series: top.map((name) => ({ name, type: "bar", stack: "all", barMaxWidth: 64, data: months.map((m) => rows.find((r) => r.month === m && `${r.community} · ${r.matter}` === name)?.count ?? 0) })),
  });
}
