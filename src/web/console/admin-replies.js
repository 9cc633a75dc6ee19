// 回复文案: what the bot says to residents and units. Each text can be replaced by an administrator's version
// (checked for its placeholders, previewed with sample values, kept with its history) or put back to the file's.
import { adminTabs, api, attempt, fmt, h, toast, view } from "./lib.js";

export default async function repliesView(params) {
  const { replies } = await api("GET", "/api/admin/replies");
  const q = params.get("q") ?? "";
  const search = h("input", { type: "search", value: q, placeholder: "搜索文案内容或名称", "aria-label": "搜索文案", class: "grow" });
  const list = h("div", {});
  const show = () => {
    const words = search.value.trim();
    list.replaceChildren(...replies.filter((r) => !words || r.key.includes(words) || r.text.includes(words) || r.audience.includes(words)).map(card));
  };
  search.addEventListener("input", show);
  show();
  view.replaceChildren(
    adminTabs("/admin/replies"),
    h("h1", {}, "回复文案"),
    h("p", { class: "muted small" }, "机器人对居民和承办单位说的话。默认文案在 prompts/replies/ 中；这里保存的版本从下一条消息起使用，可随时恢复默认。只能使用默认文案中出现的占位符。"),
    h("div", { class: "row" }, search),
    list,
  );
}

function card(r) {
  const text = h("textarea", { rows: Math.min(8, r.text.split("\n").length + 1), "aria-label": `${r.key} 文案` }, r.text);
  const note = h("input", { placeholder: "修改说明（必填）", "aria-label": `${r.key} 修改说明`, class: "grow" });
  const preview = h("pre", { class: "code reply-preview" });
  const history = h("div", {});
  const status = h("span", { class: r.changed ? "pill late" : "pill" }, r.changed ? "已修改" : "默认");
  const refreshPreview = async () => {
    const p = await api("POST", `/api/admin/replies/${r.key}/preview`, { text: text.value });
    preview.textContent = p.problems.length ? p.problems.join("\n") : p.rendered;
    preview.classList.toggle("error", p.problems.length > 0);
  };
  let timer;
  text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refreshPreview().catch(() => {}), 300);
  });
  return h(
    "section",
    { class: "card reply", dataset: { key: r.key } },
    h("div", { class: "row spread" }, h("b", {}, r.key), h("span", { class: "muted small" }, r.audience), status),
    r.lastChange ? h("p", { class: "muted small" }, `最近修改：${r.lastChange.author} · ${fmt(r.lastChange.at)} · ${r.lastChange.note}`) : null,
    h("p", { class: "muted small" }, "占位符：", r.placeholders.map((p) => `{{${p}}}`).join(" ") || "无"),
    text,
    h("details", { ontoggle: (e) => e.target.open && refreshPreview() }, h("summary", {}, "预览（示例值）"), preview),
    h(
      "div",
      { class: "row" },
      note,
      h("button", { class: "primary", type: "button", onclick: () => attempt(async () => {
        const res = await api("PUT", `/api/admin/replies/${r.key}`, { text: text.value, note: note.value });
        status.textContent = res.changed ? "已修改" : "默认";
        status.className = res.changed ? "pill late" : "pill";
        note.value = "";
      }, "已保存，下一条消息起使用") }, "保存"),
      h("button", { type: "button", onclick: () => attempt(async () => {
        await api("POST", `/api/admin/replies/${r.key}/reset`);
        text.value = r.defaultText;
        status.textContent = "默认";
        status.className = "pill";
      }, "已恢复默认文案") }, "恢复默认"),
      h("button", { type: "button", class: "link", onclick: () => attempt(async () => {
        const { versions } = await api("GET", `/api/admin/replies/${r.key}/versions`);
        history.replaceChildren(versions.length
          ? h("ul", { class: "small" }, versions.map((v) => h("li", {}, `${fmt(v.at)} ${v.author}：${v.note}${v.active ? "（使用中）" : ""} `, h("button", { type: "button", class: "link", onclick: () => { text.value = v.text; toast("已载入该版本，保存后生效"); } }, "载入"))))
          : h("p", { class: "muted small" }, "还没有修改过"));
      }) }, "历史"),
    ),
    history,
  );
}
