// 修改密码: one's own password, for everyone. After signing in with a generated password (a new account, a reset)
// this is the only page until the person has set their own; the server refuses everything else meanwhile.
import { api, h, state, toast, view } from "./lib.js";

export default async function passwordView() {
  const forced = Boolean(state.user.mustChangePassword);
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card login password-form", onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      error.textContent = "";
      if (f.get("newPassword") !== f.get("repeat")) {
        error.textContent = "两次输入的新密码不一致";
        return;
      }
      try {
        const r = await api("POST", "/api/auth/password", { currentPassword: f.get("currentPassword"), newPassword: f.get("newPassword") });
        state.user.mustChangePassword = false;
        toast(r.sessionsEnded ? `密码已修改，其他 ${r.sessionsEnded} 处登录已退出` : "密码已修改");
        document.querySelector(".top nav").hidden = false;
        if (location.hash === "#/review") window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = "#/review";
      } catch (err) {
        error.textContent = err.message;
      }
    } },
    h("h1", {}, forced ? "请先设置自己的密码" : "修改密码"),
    h("p", { class: "muted small" }, forced
      ? "当前密码是系统生成、由他人转交的，请改为只有您知道的密码后再使用工作台。"
      : "修改后，您在其他浏览器或设备上的登录将全部退出。"),
    h("label", { for: "current-password", class: "muted small" }, forced ? "当前密码（系统生成的）" : "当前密码"),
    h("input", { id: "current-password", name: "currentPassword", type: "password", autocomplete: "current-password", required: true }),
    h("label", { for: "new-password", class: "muted small" }, "新密码"),
    h("input", { id: "new-password", name: "newPassword", type: "password", autocomplete: "new-password", minlength: "10", required: true, "aria-describedby": "password-rule" }),
    h("p", { id: "password-rule", class: "muted small" }, "至少 10 位，不能与用户名相同；可用中文、字母、数字和符号。"),
    h("label", { for: "repeat-password", class: "muted small" }, "再输入一次新密码"),
    h("input", { id: "repeat-password", name: "repeat", type: "password", autocomplete: "new-password", required: true }),
    error,
    h("button", { class: "primary", type: "submit" }, "保存新密码"),
  );
  // While a generated password must be replaced, the other pages would only be refused: hide their links.
  document.querySelector(".top nav").hidden = forced;
  view.replaceChildren(form);
}
