// 账号 (administrators): accounts (create, disable, reset a password) and the API tokens other systems use (when
// each was last used, revoke). Passwords the server generates are shown once, here, and never again. The city's
// administrators make administrators of a district or a street; those keep their own workers (no tokens).
import { adminTabs, api, attempt, fmt, h, options, reference, state, view } from "./lib.js";

const TOKEN_STATUS = { active: ["有效", "ok"], expired: ["已过期", "warn"], revoked: ["已吊销", "bad"] };
// With the year: a token made today expires on the same day next year.
const dateWithYear = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric" });
const day = (iso) => dateWithYear.format(new Date(iso));

/** The password just generated, above everything else until the page is left. */
function showOnce(text, password) {
  view.querySelector(".created").replaceChildren(
    h("div", { class: "card once", role: "status" }, h("p", {}, text), h("p", {}, h("code", { class: "password" }, password)), h("p", { class: "muted small" }, "只显示这一次，请当面或通过可靠渠道转交本人；对方登录后须改为自己的密码。")),
  );
}

export default async function usersView() {
  const cityWide = !state.user.area;
  const [{ users }, { tokens }, { grids, units }] = await Promise.all([api("GET", "/api/users"), cityWide ? api("GET", "/api/tokens") : { tokens: [] }, reference()]);
  const gridName = new Map(grids.map((g) => [g.id, g.name]));
  // Districts and streets an administrator may be given (from the grids under them).
  const areas = new Map();
  for (const g of grids) if (g.districtId) areas.set(g.districtId, `区 · ${g.district}`);
  for (const g of grids) if (g.streetId) areas.set(g.streetId, `街道 · ${g.street}`);
  const areaName = new Map([...areas].map(([id, label]) => [id, label.split(" · ")[1]]));
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const form = h(
    "form",
    { class: "card", onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const body = {
        username: f.get("username"),
        displayName: f.get("displayName"),
        role: f.get("role"),
        gridIds: f.getAll("gridIds").map(Number),
        unitIds: f.getAll("unitIds").map(Number),
        ...(f.get("role") === "admin" ? { areaId: Number(f.get("areaId")) || null } : {}),
      };
      await attempt(async () => {
        const r = await api("POST", "/api/users", body);
        await usersView();
        showOnce(`已创建 ${r.username}，初始密码：`, r.password);
      });
    } },
    h("h2", {}, "新建账号"),
    h("div", { class: "row" },
      h("input", { name: "username", placeholder: "用户名（字母数字）", required: true, "aria-label": "用户名" }),
      h("input", { name: "displayName", placeholder: "姓名", required: true, "aria-label": "姓名" }),
      h("select", { name: "role", "aria-label": "角色" }, options(cityWide ? [["worker", "社区工作人员"], ["admin", "管理员"]] : [["worker", "社区工作人员"]], "worker")),
      cityWide ? h("select", { name: "areaId", "aria-label": "管理员的管理范围" }, options([...areas], "", "管理员范围：全市")) : null),
    h("div", { class: "row small" }, "负责网格：", grids.map((g) => h("label", {}, h("input", { type: "checkbox", name: "gridIds", value: String(g.id) }), g.name))),
    h("div", { class: "row small" }, "负责单位：", h("select", { name: "unitIds", multiple: true, size: 4, "aria-label": "负责单位" }, options(units.map((u) => [u.id, u.name])))),
    h("button", { class: "primary", type: "submit" }, "创建"),
  );

  const reset = (u) => attempt(async () => {
    if (!confirm(`为 ${u.username}（${u.displayName}）生成新密码？其当前登录将全部退出。`)) return;
    const r = await api("POST", `/api/users/${u.id}/password`);
    await usersView();
    showOnce(`已为 ${r.username} 重置密码，新密码：`, r.password);
  });
  const accountActions = (u) => u.id === state.user.id
    ? h("a", { href: "#/password" }, "修改密码")
    : h("div", { class: "row" },
      h("button", { type: "button", onclick: () => attempt(() => api("PATCH", `/api/users/${u.id}`, { disabled: !u.disabled }).then(usersView), u.disabled ? "已启用" : "已停用") }, u.disabled ? "启用" : "停用"),
      h("button", { type: "button", onclick: () => reset(u) }, "重置密码"));

  const revoke = (t) => attempt(async () => {
    if (!confirm(`吊销令牌“${t.name}”？使用它的系统将立即无法访问，且不能恢复。`)) return;
    await api("POST", `/api/tokens/${t.id}/revoke`);
    await usersView();
  }, "已吊销");
  const tokensSection = h("section", { class: "tokens", "aria-label": "API 令牌" },
    h("h2", {}, "API 令牌"),
    h("p", { class: "muted small" }, "供承办单位系统、12345 平台等调用接口。在服务器上创建：npm run token:create -- --name 名称 --unit 单位名称（或 --role worker），有效期 --days（默认 365 天）；令牌只在创建时显示一次。"),
    tokens.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "tokens" },
        h("thead", {}, h("tr", {}, ["编号", "名称", "权限", "创建", "到期", "最近使用", "状态", ""].map((x) => h("th", {}, x)))),
        h("tbody", {}, tokens.map((t) => h("tr", { dataset: { id: String(t.id) } },
          h("td", {}, `#${t.id}`),
          h("td", {}, t.name),
          h("td", { class: "small" }, t.role === "unit" ? `承办单位：${t.unit?.name ?? "—"}` : "系统（工作人员范围）"),
          h("td", { class: "small" }, day(t.createdAt)),
          h("td", { class: "small" }, t.status === "revoked" ? `${fmt(t.revokedAt)} 吊销` : day(t.expiresAt)),
          h("td", { class: "small" }, t.lastUsedAt ? fmt(t.lastUsedAt) : "从未使用"),
          h("td", {}, h("span", { class: `pill state ${TOKEN_STATUS[t.status][1]}` }, TOKEN_STATUS[t.status][0])),
          h("td", {}, t.status === "active" ? h("button", { type: "button", onclick: () => revoke(t) }, "吊销") : ""))))))
      : h("p", { class: "empty" }, "还没有 API 令牌"),
  );

  view.replaceChildren(
    adminTabs("/users"),
    h("h1", {}, "账号"),
    h("div", { class: "created" }),
    h("div", { class: "table-wrap" }, h("table", { class: "users" },
      h("thead", {}, h("tr", {}, ["用户名", "姓名", "角色", "范围", "状态", ""].map((x) => h("th", {}, x)))),
      h("tbody", {}, users.map((u) => h("tr", { dataset: { id: String(u.id) } },
        h("td", {}, u.username), h("td", {}, u.displayName), h("td", {}, u.role === "admin" ? "管理员" : "社区工作人员"),
        h("td", { class: "small" }, u.role === "admin" ? (u.areaId ? areaName.get(u.areaId) ?? "本辖区" : "全市") : [...u.gridIds.map((id) => gridName.get(id)), ...u.unitIds.map((id) => unitName.get(id))].filter(Boolean).join("、") || "（未分配）"),
        h("td", {}, u.disabled ? "已停用" : u.mustChangePassword ? h("span", { class: "muted" }, "待本人设置密码") : "正常"),
        h("td", {}, accountActions(u))))))),
    form,
    cityWide ? tokensSection : null,
  );
}
