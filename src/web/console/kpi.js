// 考核评价: the KPIs (三率 and the composite score) for a period, ranked by unit, grid, street, district or category,
// with a trend, ECharts' charts, the table, the exports and the definitions; one district or street may be chosen.
import { api, chinaDayStart, h, options, pct, qs, reference, serverNow, view } from "./lib.js";

function monthRange(offset = 0) {
  const now = new Date(serverNow() + 8 * 3600_000);
  const y = now.getUTCFullYear(), m = now.getUTCMonth() + offset;
  const at = (yy, mm) => new Date(Date.UTC(yy, mm, 1) - 8 * 3600_000).toISOString();
  return { from: at(y, m), to: at(y, m + 1) };
}

/** China dates, both days included, as the API's [from, to) instants. */
function dayRange(fromDay, toDay) {
  return { ...(fromDay ? { from: chinaDayStart(fromDay) } : {}), ...(toDay ? { to: chinaDayStart(toDay, 1) } : {}) };
}

export default async function kpiView(params) {
  const { grids, units } = await reference();
  const q = Object.fromEntries(params);
  const period = q.period ?? "month";
  const range = period === "month" ? monthRange(0) : period === "last" ? monthRange(-1) : period === "all" ? {} : dayRange(q.fromDay, q.toDay);
  const groupBy = q.groupBy ?? "unit";
  const scope = { gridId: q.gridId, unitId: q.unitId, areaId: q.areaId };
  // The districts and streets the grids are in (the viewer's own grids only, for a district's or a street's administrator).
  const areas = new Map();
  for (const g of grids) {
    if (g.districtId) areas.set(g.districtId, `区 · ${g.district}`);
  }
  for (const g of grids) {
    if (g.streetId) areas.set(g.streetId, `街道 · ${g.street}`);
  }
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
    h("select", { name: "groupBy", "aria-label": "排名维度" }, options([["unit", "按承办单位"], ["grid", "按网格"], ["street", "按街道"], ["district", "按区"], ["category", "按事项类别"]], groupBy)),
    h("select", { name: "areaId", "aria-label": "区或街道" }, options([...areas], q.areaId, "全部区、街道")),
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
  // What both charts share, made afresh for each.
  const frame = () => ({ tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true } });
  const top = ranking.rows.slice(0, 12);
  const rank = echarts.init(rankEl);
  rank.setOption({
    ...frame(),
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: top.map((r) => r.group), axisLabel: { width: 110, overflow: "truncate" } },
    series: rates.map(([name, key]) => ({ name, type: "bar", data: top.map((r) => asPct(r[key])) })),
  });
  const line = echarts.init(trendEl);
  line.setOption({
    ...frame(),
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
