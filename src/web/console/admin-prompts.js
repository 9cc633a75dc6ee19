// 提示词: the classification prompt's versions — edit and save, diff, preview on one appeal, evaluate on a
// labelled set (with progress), activate (with the evaluation beside the active version's), roll back.
import { adminTabs, api, attempt, fmt, h, onThisPage, pct, toast, view } from "./lib.js";

export default async function promptsView(params) {
  const data = await api("GET", "/api/admin/prompts");
  const active = data.versions.find((v) => v.active);
  const selectedId = Number(params.get("v")) || active.id;
  const selected = await api("GET", `/api/admin/prompts/${selectedId}`);
  const reload = onThisPage((id = selectedId) => (location.hash === `#/admin/prompts?v=${id}` ? promptsView(new URLSearchParams(`v=${id}`)) : (location.hash = `#/admin/prompts?v=${id}`)));

  const versions = h(
    "section",
    { class: "card" },
    h("h2", {}, "版本"),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "versions" },
        h("thead", {}, h("tr", {}, ["版本", "说明", "作者", "时间", "最近评测", ""].map((t) => h("th", {}, t)))),
        h(
          "tbody",
          {},
          data.versions.map((v) =>
            h(
              "tr",
              { dataset: { version: String(v.id) }, class: v.id === selectedId ? "selected" : "" },
              h("td", {}, h("a", { href: `#/admin/prompts?v=${v.id}` }, `v${v.id}`), " ", v.active ? h("span", { class: "pill closed" }, "使用中") : null),
              h("td", {}, v.note),
              h("td", { class: "small" }, v.author),
              h("td", { class: "small" }, fmt(v.createdAt)),
              h("td", { class: "small" }, v.latestEvaluation ? `准确率 ${pct(v.latestEvaluation.accuracy)} · F1 ${v.latestEvaluation.macroF1.toFixed(3)}（${v.latestEvaluation.dataset}）` : "—"),
              h("td", {}, v.active ? null : h("button", { type: "button", onclick: () => activate(v, reload) }, v.activatedAt ? "回滚到此版本" : "启用")),
            ),
          ),
        ),
      ),
    ),
    data.llm.configured ? h("p", { class: "muted small" }, `大模型：${data.llm.model}`) : h("p", { class: "error small" }, "未配置大模型（OPENAI_BASE_URL / OPENAI_API_KEY）：可以编辑和查看将发送的请求，预览和评测需要大模型。"),
  );

  // The editor: start from the selected version; saving makes a new one.
  const system = h("textarea", { rows: 14, "aria-label": "系统提示", spellcheck: false }, selected.system);
  const user = h("textarea", { rows: 6, "aria-label": "用户提示", spellcheck: false }, selected.user);
  const note = h("input", { placeholder: "这次改了什么（必填）", "aria-label": "修改说明", class: "grow" });
  const editor = h(
    "form",
    { class: "card", onsubmit: (e) => {
      e.preventDefault();
      attempt(async () => {
        const r = await api("POST", "/api/admin/prompts", { system: system.value, user: user.value, note: note.value });
        toast(`已保存为 v${r.id}（未启用）`);
        reload(r.id);
      });
    } },
    h("h2", {}, `编辑（基于 v${selected.id}${selected.active ? "，使用中" : ""}）`),
    h("p", { class: "muted small" }, "占位符：系统提示 ", placeholderList(data.placeholders.system), "；用户提示 ", placeholderList(data.placeholders.user), "。保存即成为新版本，启用前不影响分类。"),
    h("label", { class: "small" }, "系统提示（含清单，可被缓存）"),
    system,
    h("label", { class: "small" }, "用户提示（每条诉求）"),
    user,
    h("div", { class: "row" }, note, h("button", { class: "primary", type: "submit" }, "保存为新版本")),
  );

  const diff = selected.active ? [] : [await diffCard(selected.id)];
  view.replaceChildren(adminTabs("/admin/prompts"), h("h1", {}, "分类提示词"), versions, ...diff, editor, previewCard(selected.id), evaluationCard(selected.id, data.llm.configured));
}

const placeholderList = (p) => p.allowed.map((a) => `{{${a}}}${p.required.includes(a) ? "（必需）" : ""}`).join(" ");

async function diffCard(id) {
  const d = await api("GET", `/api/admin/prompts/${id}/diff`);
  const part = (label, parts) =>
    h("div", {}, h("h3", { class: "small" }, label), h("div", { class: "diff" }, parts.map((p) => h("span", { class: p.kind === "added" ? "add" : p.kind === "removed" ? "del" : "" }, p.kind === "same" ? abbreviate(p.text) : p.text))));
  return h("section", { class: "card diff-card" }, h("h2", {}, `与使用中的 v${d.against} 的差异`), part("系统提示", d.system), part("用户提示", d.user));
}

/** Long unchanged stretches are shortened to their first and last lines. */
function abbreviate(text) {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.length <= 4 ? text : `${lines.slice(0, 2).join("\n")}\n  …（${lines.length - 4} 行未改）…\n${lines.slice(-2).join("\n")}\n`;
}

function previewCard(id) {
  const text = h("textarea", { rows: 3, placeholder: "输入一条居民诉求，例如：3号楼电梯坏了两天了", "aria-label": "预览诉求" });
  const out = h("div", { class: "preview-out" });
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `预览 v${id}`),
    text,
    h("div", { class: "row" }, h("button", { type: "button", onclick: () => attempt(async () => {
      out.replaceChildren(h("p", { class: "muted" }, "请求中…"));
      const r = await api("POST", `/api/admin/prompts/${id}/preview`, { text: text.value });
      out.replaceChildren(...previewResult(r).filter(Boolean));
    }) }, "预览")),
    out,
  );
}

function previewResult(r) {
  const local = h("p", { class: "small" }, `本地分类器：${r.local.matterName ?? "未能归类"}（${pct(r.local.confidence)}）`);
  const masked = h("p", { class: "small muted" }, "发送前已去除电话、证件号、银行卡号、车牌、房号和居民姓名；相似案例是否附上见“运行设置”。");
  if (!r.configured) return [h("p", { class: "error" }, "未配置大模型，以下是将要发送的请求（原样）："), masked, h("pre", { class: "code" }, JSON.stringify(r.requests, null, 2)), local];
  const p = r.parsed;
  return [
    p
      ? h("p", { class: "preview-parsed" }, h("b", {}, `结果：${p.matterName ?? "未能归类"}${p.matterCode ? `（${p.matterCode}）` : ""}`), ` · 置信度 ${pct(p.confidence)} · ${p.urgency === "urgent" ? "紧急" : "一般"} · ${p.rationale}`)
      : h("p", { class: "error" }, r.error),
    p ? h("p", { class: "small" }, p.questions ? `将追问居民：${p.questions}（${p.missingInfo.join("、")}）` : "无需追问") : null,
    h("p", { class: "small muted" }, `用时 ${r.ms} 毫秒 · ${r.answers.length} 次请求 · 输入 ${sum(r.answers, "prompt_tokens")} tokens（缓存 ${r.answers.reduce((n, a) => n + (a.usage?.prompt_tokens_details?.cached_tokens ?? 0), 0)}）· 输出 ${sum(r.answers, "completion_tokens")} tokens`),
    local,
    h("details", {}, h("summary", {}, "发送的请求（原样）"), masked, h("pre", { class: "code" }, JSON.stringify(r.requests, null, 2))),
    h("details", { open: !p }, h("summary", {}, "模型的原始回答"), h("pre", { class: "code raw-answer" }, r.answers.map((a) => a.content ?? "（空）").join("\n---\n"))),
  ];
}
const sum = (answers, key) => answers.reduce((n, a) => n + (a.usage?.[key] ?? 0), 0);

function evaluationCard(id, llmConfigured) {
  const dataset = h("select", { "aria-label": "评测集" }, h("option", { value: "confirmed" }, "已确认的工单"), h("option", { value: "upload" }, "上传文件（诉求<TAB>事项，或 CSV）"));
  const file = h("input", { type: "file", accept: ".tsv,.txt,.csv", "aria-label": "评测文件", hidden: true });
  dataset.addEventListener("change", () => (file.hidden = dataset.value !== "upload"));
  const classifier = h("select", { "aria-label": "分类器" }, llmConfigured ? h("option", { value: "llm" }, `大模型 + 提示词 v${id}`) : null, h("option", { value: "local" }, "本地分类器（对照）"));
  const out = h("div", { class: "evaluation-out" });
  const start = async () => {
    let content;
    if (dataset.value === "upload") {
      if (!file.files[0]) return toast("请选择评测文件", true);
      content = await file.files[0].text();
    }
    await attempt(async () => {
      const r = await api("POST", "/api/admin/evaluations", { promptVersionId: id, classifier: classifier.value, dataset: dataset.value, fileName: file.files[0]?.name, content });
      await follow(r.id, out);
    });
  };
  return h("section", { class: "card" }, h("h2", {}, "评测"), h("div", { class: "row" }, classifier, dataset, file, h("button", { type: "button", onclick: start }, "开始评测")), out);
}

/** Polls an evaluation, showing progress, then the result. */
async function follow(id, out) {
  const bar = h("progress", { max: 1, value: 0 });
  const label = h("span", { class: "small muted" });
  out.replaceChildren(bar, label);
  for (;;) {
    const e = await api("GET", `/api/admin/evaluations/${id}`);
    bar.max = e.total;
    bar.value = e.done;
    label.textContent = `${e.done} / ${e.total}`;
    if (e.status === "failed") return out.replaceChildren(h("p", { class: "error" }, e.error));
    if (e.status === "done") return out.replaceChildren(...evaluationResult(e));
    await new Promise((r) => setTimeout(r, 500));
  }
}

function evaluationResult(e) {
  const r = e.result;
  const labels = Object.entries(r.perLabel).sort((a, b) => a[1].f1 - b[1].f1);
  return [
    h("p", { class: "evaluation-summary" }, h("b", {}, `准确率 ${pct(r.accuracy)} · macro-F1 ${r.macroF1.toFixed(3)}`), ` · ${r.n} 条（${e.dataset}）`),
    h("p", { class: "small muted" }, `${r.method} · 大模型调用 ${r.llmCalls} 次，失败 ${r.failures} 次 · 输入 ${r.tokens.prompt} tokens（缓存 ${r.tokens.cached}）、输出 ${r.tokens.completion} tokens · 每条 ${r.msPerAppeal} 毫秒`),
    h("details", { open: true }, h("summary", {}, "按事项"), h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["事项", "条数", "精确率", "召回率", "F1"].map((t, i) => h("th", { class: i ? "num" : "" }, t)))),
      h("tbody", {}, labels.map(([name, m]) => h("tr", {}, h("td", {}, name), h("td", { class: "num" }, m.support), h("td", { class: "num" }, pct(m.precision)), h("td", { class: "num" }, pct(m.recall)), h("td", { class: "num" }, m.f1.toFixed(3)))))))),
    r.confusions.length
      ? h("details", {}, h("summary", {}, `常见错分（${r.confusions.length}）`), h("ul", {}, r.confusions.map((c) => h("li", {}, `${c.actual} → ${c.predicted}：${c.count} 条`))))
      : h("p", { class: "small" }, "没有错分。"),
  ];
}

/** Activation: the server compares with the active version; a worse or unevaluated candidate needs a yes. */
async function activate(v, reload) {
  try {
    const r = await api("POST", `/api/admin/prompts/${v.id}/activate`, {});
    toast(r.comparison ? `已启用 v${v.id}（F1 ${r.comparison.candidate.macroF1.toFixed(3)}，原版本 ${r.comparison.active.macroF1.toFixed(3)}）` : `已启用 v${v.id}`);
    reload(v.id);
  } catch (err) {
    if (err.status !== 409) return toast(err.message, true);
    const c = err.body?.error?.comparison;
    const detail = c ? `\n\n评测集：${c.dataset}\n候选 v${v.id}：准确率 ${pct(c.candidate.accuracy)}，F1 ${c.candidate.macroF1.toFixed(3)}\n使用中：准确率 ${pct(c.active.accuracy)}，F1 ${c.active.macroF1.toFixed(3)}` : "";
    if (confirm(`${err.message}${detail}\n\n仍要启用吗？`)) {
      await attempt(() => api("POST", `/api/admin/prompts/${v.id}/activate`, { confirmed: true }), `已启用 v${v.id}`);
      reload(v.id);
    }
  }
}
