// 属地角色: the roles the responsibility list may name instead of units ("属地街道综合行政执法队", "小区物业"), and
// which unit fills each role in each area. A street's filler serves its communities, grids and buildings unless one
// of them names its own; a lead role nobody fills sends the case to review. Shown on the organisation page.
import { api, attempt, h, options } from "./lib.js";

/** Nearest first, for the fillers of the areas above a district's or a street's administrator's own. */
const RANK = { building: 0, grid: 1, community: 2, street: 3, district: 4, city: 5 };

/** The card: who fills each role in each street and community (own or inherited), and the forms to change it. */
export function rolesCard(org, reload) {
  const card = h("section", { class: "card roles" }, h("h2", {}, "属地角色与承办单位"), h("p", { class: "muted small" }, "加载中…"));
  api("GET", "/api/admin/roles").then((data) => card.replaceChildren(...rolesContent(org, data.roles, reload).filter((x) => x !== null)), () => card.replaceChildren(h("h2", {}, "属地角色与承办单位"), h("p", { class: "error" }, "加载失败")));
  return card;
}

function rolesContent(org, roles, reload) {
  const byId = new Map(org.areas.map((a) => [a.id, a]));
  /** The filler of a role for an area: its own, else the nearest area above that names one. */
  const effective = (role, area) => {
    for (let a = area, depth = 0; a && depth < 12; a = byId.get(a.parentId), depth++) {
      const own = role.fillers.find((f) => f.area.id === a.id);
      if (own) return { unit: own.unit.name, from: a.id === area.id ? null : a.name };
    }
    // A district's or a street's administrator: the areas above theirs are not on the page, their fillers are.
    const above = role.fillers.filter((f) => !byId.has(f.area.id)).sort((x, y) => RANK[x.area.level] - RANK[y.area.level])[0];
    return above ? { unit: above.unit.name, from: above.area.name } : null;
  };
  // Columns: every street and community (the levels a role is usually filled at), in the tree's order.
  const columns = [];
  const walk = (parentId) => {
    for (const a of org.areas.filter((x) => (parentId === null ? !byId.has(x.parentId) : x.parentId === parentId))) {
      if (a.level === "street" || a.level === "community") columns.push(a);
      if (a.level !== "grid" && a.level !== "building") walk(a.id);
    }
  };
  walk(null);
  const cell = (role, area) => {
    const f = effective(role, area);
    if (!f) return h("td", { class: "error small", dataset: { label: area.name } }, "未指定");
    return h("td", { class: "small", dataset: { label: area.name } }, f.unit, f.from ? h("span", { class: "muted" }, `（沿用${f.from}）`) : null);
  };
  const table = h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "role-matrix" },
      h("thead", {}, h("tr", {}, h("th", {}, "角色"), columns.map((a) => h("th", { class: "small" }, `${org.levels[a.level] ?? a.level} · ${a.name}`)))),
      h("tbody", {}, roles.map((r) => h("tr", { dataset: { role: r.name } }, h("th", { class: "small" }, r.name, h("div", { class: "muted" }, `清单中 ${r.matters} 处`)), columns.map((a) => cell(r, a))))),
    ),
  );

  const areaOptions = org.areas.filter((a) => a.level !== "building").map((a) => [a.id, `${org.levels[a.level] ?? a.level} · ${a.name}`]);
  const unitOptions = org.units.map((u) => [u.id, u.name]);
  const roleSelect = h("select", { "aria-label": "角色" }, options(roles.map((r) => [r.id, r.name]), roles[0]?.id));
  const areaSelect = h("select", { "aria-label": "区域" }, options(areaOptions, areaOptions[0]?.[0]));
  const unitSelect = h("select", { "aria-label": "承办单位" }, options(unitOptions, "", "（选择单位）"));
  const assign = h(
    "form",
    { class: "row", onsubmit: (e) => (e.preventDefault(), attempt(() => api("PUT", `/api/admin/roles/${roleSelect.value}/fillers/${areaSelect.value}`, { unitId: Number(unitSelect.value) || 0 }).then(reload), "已指定")) },
    h("b", { class: "small" }, "指定："), roleSelect, h("span", { class: "small" }, "在"), areaSelect, h("span", { class: "small" }, "由"), unitSelect, h("button", { type: "submit" }, "承担"),
  );
  const own = h("ul", { class: "small fillers" }, roles.flatMap((r) => r.fillers.map((f) => h(
    "li",
    {},
    `${r.name}：${org.levels[f.area.level] ?? f.area.level} ${f.area.name} → ${f.unit.name} `,
    h("button", { type: "button", class: "link", onclick: () => attempt(() => api("DELETE", `/api/admin/roles/${r.id}/fillers/${f.area.id}`).then(reload), "已取消，改由上级区域的指定承担") }, "取消"),
  ))));
  const code = h("input", { placeholder: "编码，如 street_enforcement", "aria-label": "新角色编码" });
  const name = h("input", { placeholder: "名称，如 属地街道综合行政执法队", "aria-label": "新角色名称" });
  const add = h("form", { class: "row", onsubmit: (e) => (e.preventDefault(), attempt(() => api("POST", "/api/admin/roles", { code: code.value, name: name.value }).then(reload), "已新增角色")) }, code, name, h("button", { type: "submit" }, "新增角色"));
  return [
    h("h2", {}, `属地角色与承办单位（${roles.length}）`),
    h("p", { class: "muted small" }, "职责清单的主责、配合单位可以写角色（如“属地街道综合行政执法队”），按诉求所在的楼栋 → 网格 → 社区 → 街道 → 区 → 市 逐级向上找由谁承担；下级未指定时沿用上级。主责角色找不到承办单位的工单进入待审核，不会派错单位；找不到的配合单位不加入，并在工单上注明。"),
    table,
    assign,
    h("details", {}, h("summary", { class: "small" }, `各区域的指定（${roles.reduce((n, r) => n + r.fillers.length, 0)}）`), own),
    // Roles are the city's: a district's or a street's administrator names fillers only.
    org.scope ? null : h("details", {}, h("summary", { class: "small" }, "新增角色"), add),
  ];
}
