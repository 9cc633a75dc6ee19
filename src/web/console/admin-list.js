// 职责清单 (administrators): search and edit matters, import a CSV/XLSX file with a preview of what it changes,
// export to Excel, and the list's version history. Every change needs a reason and becomes a version.
import { adminTabs, api, attempt, fileBase64, fmt, h, onThisPage, options, qs, reference, state, toast, view } from "./lib.js";

const SOURCE = { seed: "初始", edit: "编辑", import: "导入", restore: "恢复" };
const STATUS = [["active", "启用中"], ["inactive", "已停用"], ["all", "全部"]];
const splitWords = (s) => s.split(/[、,，;；\n]/).map((x) => x.trim()).filter(Boolean);

export default async function adminList(params) {
  const q = params.get("q") ?? "";
  const status = params.get("status") ?? "active";
  const page = Number(params.get("page") ?? 1) || 1;
  const [data, history, { units }, { roles }] = await Promise.all([
    api("GET", `/api/admin/matters?${qs({ q, status, page, pageSize: 50 })}`),
    api("GET", "/api/admin/list/versions"),
    reference(),
    api("GET", "/api/admin/roles"),
  ]);
  const go = (p) => (location.hash = `#/admin/list?${qs({ q: p.q ?? q, status: p.status ?? status, page: p.page ?? 1 })}`);
  const reload = onThisPage(() => {
    state.units = null; // an import may have created units
    return adminList(params);
  });

  const editor = h("div", {});
  const openEditor = (matter) => {
    editor.replaceChildren(matterForm(matter, units, roles, async () => {
      editor.replaceChildren();
      await reload();
    }, () => editor.replaceChildren()));
    editor.scrollIntoView({ behavior: "smooth", block: "start" });
  };

  const search = h("input", { type: "search", name: "q", value: q, placeholder: "编码、名称、类别、关键词或单位", "aria-label": "搜索事项", class: "grow" });
  const statusSelect = h("select", { name: "status", "aria-label": "状态" }, options(STATUS, status));
  const toolbar = h(
    "form",
    { class: "row", onsubmit: (e) => (e.preventDefault(), go({ q: search.value.trim(), status: statusSelect.value })) },
    search, statusSelect,
    h("button", { type: "submit" }, "查询"),
    h("button", { type: "button", onclick: () => openEditor(null) }, "新增事项"),
    h("a", { href: "/api/admin/list/export.xlsx", download: "职责清单.xlsx", class: "button" }, "导出 Excel"),
  );

  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  view.replaceChildren(...[
    adminTabs("/admin/list"),
    h("div", { class: "row spread" },
      h("h1", {}, "职责清单"),
      h("span", { class: "muted small" }, `启用 ${data.counts.active} 项 · 停用 ${data.counts.inactive} 项`,
        data.version ? ` · 当前版本 #${data.version.id}（${data.version.authorName}，${fmt(data.version.createdAt)}）` : "",
        " ", h("button", { type: "button", class: "link", onclick: () => view.querySelector(".history")?.scrollIntoView({ behavior: "smooth" }) }, "版本历史"))),
    importPanel(reload),
    editor,
    toolbar,
    h("p", { class: "muted small" }, `找到 ${data.total} 项`),
    data.matters.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "matters" },
          h("thead", {}, h("tr", {}, ["编码", "事项名称", "类别", "主责单位", "配合单位", "时限", "志愿者可认领", "状态", ""].map((x) => h("th", {}, x)))),
          h("tbody", {}, data.matters.map((m) => h("tr", { class: m.active ? "" : "inactive", dataset: { code: m.code } },
            h("td", {}, h("code", {}, m.code)),
            h("td", {}, h("b", {}, m.name)),
            h("td", { class: "small", dataset: { label: "类别" } }, m.category || "—"),
            h("td", { dataset: { label: "主责" } }, m.leadUnit?.name ?? (m.leadRole ? roleName(m.leadRole, roles) : h("span", { class: "error" }, "未设置"))),
            h("td", { class: "small", dataset: { label: "配合" } }, [...m.cooperatingUnits.map((u) => u.name), ...m.cooperatingRoles.map((r) => `${r.name}（属地）`)].join("、") || "—"),
            h("td", { class: "small nowrap" }, `响应 ${m.responseHours} 小时`, h("br"), `办结 ${m.resolveDays} 个工作日`),
            h("td", { class: "claimable", dataset: { label: "志愿者可认领" } }, m.volunteerClaimable ? h("span", { class: "pill resolved" }, "可认领") : "—"),
            h("td", {}, h("span", { class: `pill ${m.active ? "resolved" : "late"}` }, m.active ? "启用" : "停用")),
            h("td", {}, h("button", { type: "button", onclick: () => openEditor(m) }, "编辑")),
          )))))
      : h("p", { class: "empty" }, "没有符合条件的事项"),
    pages > 1
      ? h("div", { class: "pager" },
          h("button", { type: "button", disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, "上一页"),
          h("span", {}, `${page} / ${pages}`),
          h("button", { type: "button", disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, "下一页"))
      : null,
    historyPanel(history),
  ].filter(Boolean));
}

// ---- editing one matter -----------------------------------------------------------------------------------

/** A role in the list's table, with who fills it in how many areas (the preview of the territorial list). */
function roleName(ref, roles) {
  const r = roles.find((x) => x.id === ref.id);
  return h("span", { title: r ? r.fillers.map((f) => `${f.area.name}：${f.unit.name}`).join("\n") || "尚未指定" : "" }, ref.name, h("span", { class: "pill" }, `属地 · ${r?.fillers.length ?? 0} 处指定`));
}

/** Units and roles in one picker: a value is "u:<id>" or "r:<id>" (the list names either). */
const unitOrRole = (units, roles) => [
  h("optgroup", { label: "属地角色（按诉求所在区域确定单位）" }, roles.map((r) => h("option", { value: `r:${r.id}` }, r.name))),
  h("optgroup", { label: "固定单位" }, units.map((u) => h("option", { value: `u:${u.id}` }, u.name))),
];
const picked = (values, kind) => values.filter((v) => v.startsWith(`${kind}:`)).map((v) => Number(v.slice(2)));

function matterForm(m, units, roles, saved, cancel) {
  const isNew = !m;
  const field = (label, control) => h("label", { class: "field" }, h("span", { class: "muted small" }, label), control);
  const lead = h("select", { name: "lead", required: true }, h("option", { value: "" }, "（请选择）"), unitOrRole(units, roles));
  lead.value = m?.leadRole ? `r:${m.leadRole.id}` : m?.leadUnit ? `u:${m.leadUnit.id}` : "";
  const coopSelect = h("select", { name: "cooperating", multiple: true, size: 5 }, unitOrRole(units, roles));
  const coop = new Set([...(m?.cooperatingUnits ?? []).map((u) => `u:${u.id}`), ...(m?.cooperatingRoles ?? []).map((r) => `r:${r.id}`)]);
  for (const o of coopSelect.querySelectorAll("option")) o.selected = coop.has(o.value);
  const form = h(
    "form",
    { class: "card matter-form", onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const body = {
        name: f.get("name").trim(),
        category: f.get("category").trim(),
        description: f.get("description").trim(),
        keywords: splitWords(f.get("keywords")),
        examples: f.get("examples").split("\n").map((x) => x.trim()).filter(Boolean),
        leadUnitId: picked([f.get("lead")], "u")[0] ?? null,
        leadRoleId: picked([f.get("lead")], "r")[0] ?? null,
        cooperatingUnitIds: picked(f.getAll("cooperating"), "u"),
        cooperatingRoleIds: picked(f.getAll("cooperating"), "r"),
        responseHours: Number(f.get("responseHours")),
        resolveDays: Number(f.get("resolveDays")),
        needsLocation: f.get("needsLocation") === "on",
        volunteerClaimable: f.get("volunteerClaimable") === "on",
        active: f.get("active") === "on",
        reason: f.get("reason").trim(),
      };
      await attempt(async () => {
        const r = isNew ? await api("POST", "/api/admin/matters", { code: f.get("code").trim(), ...body }) : await api("PUT", `/api/admin/matters/${encodeURIComponent(m.code)}`, body);
        toast(r.versionId ? `已保存，清单版本 #${r.versionId}` : "没有变化");
        await saved();
      });
    } },
    h("h2", {}, isNew ? "新增事项" : `编辑 ${m.code} ${m.name}`),
    h("div", { class: "form-grid" },
      isNew ? field("编码", h("input", { name: "code", required: true, pattern: "[A-Za-z0-9_-]{1,32}", placeholder: "如 TC03" })) : null,
      field("事项名称", h("input", { name: "name", required: true, value: m?.name ?? "" })),
      field("类别", h("input", { name: "category", value: m?.category ?? "" })),
      field("主责单位或属地角色", lead),
      field("配合单位或属地角色（可多选）", coopSelect),
      field("响应时限（小时）", h("input", { name: "responseHours", type: "number", min: 1, step: 1, required: true, value: String(m?.responseHours ?? 24) })),
      field("办结时限（工作日）", h("input", { name: "resolveDays", type: "number", min: 1, step: 1, required: true, value: String(m?.resolveDays ?? 5) })),
      field("关键词（用、分隔）", h("input", { name: "keywords", value: (m?.keywords ?? []).join("、") })),
      field("说明", h("textarea", { name: "description" }, m?.description ?? "")),
      field("示例诉求（每行一条）", h("textarea", { name: "examples" }, (m?.examples ?? []).join("\n"))),
    ),
    h("div", { class: "row" },
      h("label", {}, h("input", { type: "checkbox", name: "needsLocation", checked: m?.needsLocation ?? true }), "需定位（询问楼栋）"),
      h("label", {}, h("input", { type: "checkbox", name: "volunteerClaimable", checked: m?.volunteerClaimable ?? false }), "志愿者可认领（先交本网格志愿者）"),
      h("label", {}, h("input", { type: "checkbox", name: "active", checked: m?.active ?? true }), "启用")),
    h("div", { class: "row" },
      h("input", { name: "reason", required: true, minlength: 2, class: "grow", placeholder: "修改原因（必填，记入版本历史）", "aria-label": "修改原因" }),
      h("button", { class: "primary", type: "submit" }, "保存"),
      h("button", { type: "button", onclick: cancel }, "取消")),
  );
  return form;
}

// ---- importing a file -------------------------------------------------------------------------------------

function importPanel(reload) {
  const input = h("input", { type: "file", accept: ".csv,.xlsx", "aria-label": "选择清单文件" });
  const mode = h("select", { "aria-label": "导入方式" }, options([["replace", "替换整个清单（文件中没有的事项将停用）"], ["merge", "只新增和修改（不停用）"]], "replace"));
  const strict = h("input", { type: "checkbox" });
  const result = h("div", {});
  const previewButton = h("button", { type: "button", class: "primary", onclick: () => preview() }, "预览变化");

  async function preview() {
    const file = input.files[0];
    if (!file) return toast("请先选择 .csv 或 .xlsx 文件", true);
    if (file.size > 5 * 1024 * 1024) return toast("文件不能超过 5 MB", true);
    const body = { fileName: file.name, content: await fileBase64(file), mode: mode.value, strictUnits: strict.checked };
    previewButton.disabled = true;
    await attempt(async () => {
      const p = await api("POST", "/api/admin/list/preview", body);
      result.replaceChildren(previewView(p, body, reload));
    });
    previewButton.disabled = false;
  }
  // A new choice invalidates the preview shown.
  for (const el of [input, mode, strict]) el.addEventListener("change", () => result.replaceChildren());

  return h("section", { class: "card import" },
    h("h2", {}, "导入清单（CSV 或 Excel）"),
    h("p", { class: "muted small" }, "表头与导出的文件相同：编码、事项名称、类别、说明、关键词、主责单位、配合单位、响应时限、办结时限、示例诉求、需定位、志愿者可认领（也可用英文表头）。主责单位和两项时限必填；没有“志愿者可认领”列或留空的，保持原设置（新事项为否）。可先导出、在 Excel 中修改后再导入。"),
    h("div", { class: "row" }, input, mode, h("label", { class: "small" }, strict, "不认识的单位算作错误"), previewButton),
    result);
}

function previewView(p, body, reload) {
  const count = (n, label, cls) => h("div", { class: `stat ${cls}` }, h("span", { class: "muted small" }, label), h("b", {}, String(n)));
  // The server lists the first problems only; errorCount is how many there are in all.
  const problems = p.errorCount ?? p.errors.length;
  const blocked = problems > 0;
  const empty = !p.added.length && !p.changed.length && !p.removed.length;
  const reason = h("input", { class: "grow", required: true, minlength: 2, placeholder: "导入原因（必填，记入版本历史）", "aria-label": "导入原因" });
  const apply = h("button", { type: "button", class: "primary", disabled: blocked || empty, onclick: async () => {
    if (reason.value.trim().length < 2) return toast("请填写导入原因", true), reason.focus();
    if (p.removed.length && !confirm(`将停用 ${p.removed.length} 个事项，确定导入吗？`)) return;
    apply.disabled = true;
    const ok = await attempt(async () => {
      const r = await api("POST", "/api/admin/list/apply", { ...body, reason: reason.value.trim(), baseVersionId: p.baseVersionId });
      toast(`已导入：清单版本 #${r.versionId}（新增 ${r.added}，修改 ${r.changed}，停用 ${r.removed}）`);
    });
    if (ok) await reload();
    else apply.disabled = false;
  } }, "确认导入");

  const list = (title, items, render, open) => items.length
    ? h("details", { class: "changes", open }, h("summary", {}, `${title}（${items.length}）`), h("ul", {}, items.slice(0, 300).map((x) => h("li", {}, render(x)))),
        items.length > 300 ? h("p", { class: "muted small" }, `另有 ${items.length - 300} 项未列出`) : null)
    : null;

  return h("div", { class: "preview", "aria-label": "导入预览" },
    h("h3", {}, `预览：${p.fileName}（${p.mode === "replace" ? "替换整个清单" : "只新增和修改"}）`),
    h("div", { class: "stats" }, count(p.added.length, "新增", "added"), count(p.changed.length, "修改", "changed"), count(p.removed.length, "停用", "removed"), count(p.unchanged, "未变", ""), count(problems, "问题", problems ? "bad" : "")),
    problems
      ? h("div", { class: "errors" }, h("p", { class: "error" }, `文件有 ${problems} 处问题，修改后重新选择文件预览；有问题时不能导入。`),
          h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, ["行", "字段", "问题"].map((x) => h("th", {}, x)))),
            h("tbody", {}, p.errors.map((e) => h("tr", {}, h("td", { class: "num" }, e.row ? `第 ${e.row} 行` : "文件"), h("td", {}, e.field ?? ""), h("td", {}, e.message)))))),
          problems > p.errors.length ? h("p", { class: "muted small unlisted" }, `还有 ${problems - p.errors.length} 处问题未列出（先改正以上各处，再预览一次）`) : null)
      : null,
    p.newUnits.length ? h("p", { class: "small" }, "将新建单位：", h("b", {}, p.newUnits.join("、"))) : null,
    // With problems to fix the lists are folded, so the problems come first.
    list("新增", p.added, (m) => [h("code", {}, m.code), ` ${m.name} → ${m.leadUnit ?? "—"}`], !blocked),
    list("修改", p.changed, (m) => [h("code", {}, m.code), ` ${m.name}：`, h("ul", { class: "fields" }, m.fields.map((f) => h("li", {}, `${f.label}：`, h("del", {}, f.before), " → ", h("ins", {}, f.after))))], !blocked),
    list("停用", p.removed, (m) => [h("code", {}, m.code), ` ${m.name}`], !blocked),
    !blocked && empty ? h("p", { class: "muted" }, "文件与当前清单相同，没有需要导入的变化。") : null,
    !blocked && !empty ? h("div", { class: "row" }, reason, apply) : null,
  );
}

// ---- history ----------------------------------------------------------------------------------------------

/** Puts the list back as it was after version v, as a new version, after asking why. */
async function restore(v) {
  const why = prompt(`把职责清单恢复到版本 #${v.id} 时的样子（之后新增的事项将停用，停用的将恢复）。请填写原因：`);
  if (!why) return;
  await attempt(async () => {
    const r = await api("POST", `/api/admin/list/versions/${v.id}/restore`, { reason: why });
    toast(r.versionId ? `已恢复，新版本 #${r.versionId}（新增 ${r.added}、修改 ${r.changed}、停用 ${r.removed}）` : "清单与该版本相同，无需恢复");
    location.hash = "#/admin/list?restored=" + (r.versionId ?? "none");
  });
}

function historyPanel(history) {
  const detail = h("div", {});
  const show = async (id) => {
    await attempt(async () => {
      const v = await api("GET", `/api/admin/list/versions/${id}`);
      const codes = (xs) => xs.join("、") || "—";
      detail.replaceChildren(h("div", { class: "card version-detail" },
        h("h3", {}, `版本 #${v.id}：${v.reason}`),
        h("p", { class: "small muted" }, `${v.authorName} · ${SOURCE[v.source] ?? v.source} · ${fmt(v.createdAt)} · 清单 ${v.snapshot.length} 项 · 按此版本分类的工单 ${v.cases} 件`),
        h("p", { class: "small" }, `新增：${codes(v.changes.added)}`),
        h("p", { class: "small" }, "修改：", v.changes.changed.length ? v.changes.changed.map((c) => `${c.code}（${c.fields.length} 项）`).join("、") : "—"),
        h("p", { class: "small" }, `停用：${codes(v.changes.removed)}`),
        h("button", { type: "button", onclick: () => restore(v) }, "恢复到此版本")));
    });
  };
  return h("section", { class: "history" },
    h("h2", {}, `版本历史（${history.total}）`),
    h("div", { class: "table-wrap" }, h("table", { class: "versions" },
      h("thead", {}, h("tr", {}, ["版本", "时间", "操作人", "方式", "原因", "新增", "修改", "停用"].map((x, i) => h("th", { class: i >= 5 ? "num" : "" }, x)))),
      h("tbody", {}, history.versions.map((v) => h("tr", {},
        h("td", {}, h("button", { type: "button", class: "link", onclick: () => show(v.id) }, `#${v.id}`)),
        h("td", { class: "nowrap" }, fmt(v.createdAt)),
        h("td", {}, v.authorName),
        h("td", {}, SOURCE[v.source] ?? v.source),
        h("td", {}, v.reason),
        h("td", { class: "num" }, v.counts.added),
        h("td", { class: "num" }, v.counts.changed),
        h("td", { class: "num" }, v.counts.removed)))))),
    history.total > history.versions.length ? h("p", { class: "muted small" }, `显示最近 ${history.versions.length} 个版本`) : null,
    detail);
}
