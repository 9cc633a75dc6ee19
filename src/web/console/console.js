// 民呼我应 workers' console: a small single-page app over the JSON API (the same one other systems use).
// No build step: ES modules served as they are. This module signs in and routes; the workers' pages are review.js,
// case-list.js, case-detail.js (with case-actions.js) and kpi.js; helpers in lib.js; the administrators' pages in
// admin-*.js, loaded when opened.
import { adminPages, api, attempt, countdown, h, hooks, refreshReviewCount, serverNow, StaleError, state, view } from "./lib.js";
import reviewView from "./review.js";
import casesView from "./case-list.js";
import caseView from "./case-detail.js";
import kpiView from "./kpi.js";

// ---- signing in -------------------------------------------------------------------------------------------

function showLogin(message) {
  document.querySelector(".top").hidden = true;
  const error = h("p", { class: "error", role: "alert" }, message ?? "");
  const form = h(
    "form",
    { class: "card login", onsubmit: async (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        const r = await api("POST", "/api/auth/login", data);
        signedIn(r);
        route();
      } catch (err) {
        error.textContent = err.message;
      }
    } },
    h("h1", {}, "民呼我应 · 工作台"),
    h("p", { class: "muted" }, "社区工作人员与管理员登录"),
    h("label", { for: "username", class: "muted small" }, "用户名"),
    h("input", { id: "username", name: "username", autocomplete: "username", required: true }),
    h("label", { for: "password", class: "muted small" }, "密码"),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    error,
    h("button", { class: "primary", type: "submit" }, "登录"),
  );
  view.replaceChildren(form);
}

hooks.unauthorized = () => showLogin();
hooks.route = () => route();

function signedIn({ user, csrfToken, now }) {
  state.user = user;
  state.skew = now ? new Date(now).getTime() - Date.now() : 0;
  state.csrf = csrfToken;
  document.querySelector(".top").hidden = false;
  document.getElementById("who").textContent = `${user.displayName}（${user.role === "admin" ? `${user.area ? `${user.area.name}` : ""}管理员` : "社区工作人员"}）`;
  for (const el of document.querySelectorAll("[data-admin]")) {
    el.hidden = user.role !== "admin";
    // A district's or a street's administrator starts at their organisation (the prompts are the city's).
    if (el.tagName === "A") el.setAttribute("href", `#${adminPages()[0][0]}`);
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  await attempt(() => api("POST", "/api/auth/logout"));
  state.user = null;
  showLogin("已退出");
});

// ---- administrators' pages, each its own module, loaded when opened ----------------------------------------

const ADMIN_PAGES = {
  "/admin/prompts": { module: "./admin-prompts.js" },
  "/admin/list": { module: "./admin-list.js" },
  "/admin/org": { module: "./admin-org.js" },
  "/admin/replies": { module: "./admin-replies.js" },
  "/admin/places": { module: "./admin-places.js" },
  "/admin/volunteers": { module: "./admin-volunteers.js" },
  "/users": { module: "./admin-users.js" },
};

// ---- routing ----------------------------------------------------------------------------------------------

async function route() {
  state.route += 1;
  if (!state.user) {
    try {
      signedIn(await api("GET", "/api/auth/me"));
    } catch {
      return;
    }
  }
  kpiView.cleanup?.();
  kpiView.cleanup = null;
  // A generated password (new account, reset) is replaced before anything else; the server refuses the rest.
  const [path, query] = state.user.mustChangePassword ? ["/password"] : (location.hash.slice(1) || "/review").split("?");
  document.querySelector(".top nav").hidden = Boolean(state.user.mustChangePassword);
  const params = new URLSearchParams(query ?? "");
  const section = path.split("/")[1];
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === section || (a.dataset.nav === "admin" && path === "/users"));
  view.replaceChildren(h("p", { class: "muted" }, "加载中…"));
  try {
    const number = /^\/cases\/(\d{4}-\d{6})$/.exec(path)?.[1];
    if (number) await caseView(number);
    else if (path === "/cases") await casesView(params);
    else if (path === "/kpi") await kpiView(params);
    else if (path === "/hotspots") await (await import("./hotspots.js")).default(params);
    else if (path === "/bookings") await (await import("./bookings.js")).default(params);
    else if (path === "/password") await (await import("./account.js")).default();
    else if (ADMIN_PAGES[path] && state.user.role === "admin" && adminPages().some(([p]) => p === path)) await (await import(ADMIN_PAGES[path].module)).default(params);
    else await reviewView();
    if (!state.user.mustChangePassword) refreshReviewCount();
  } catch (err) {
    if (err.status !== 401 && !(err instanceof StaleError)) view.replaceChildren(h("p", { class: "error card" }, err.message));
  }
}

// Countdowns tick without reloading the page.
setInterval(() => {
  for (const el of document.querySelectorAll("[data-due]")) {
    el.textContent = countdown(el.dataset.due);
    el.classList.toggle("error", new Date(el.dataset.due).getTime() < serverNow());
  }
}, 30_000);

window.addEventListener("hashchange", route);
route();
