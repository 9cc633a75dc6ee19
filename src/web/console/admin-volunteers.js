// 志愿者与党员中心户: the volunteers register (add, stop, import a CSV/XLSX file), which matters volunteers may claim,
// the recent volunteer tasks (a claim taken by phone recorded for a volunteer), the month's ranking per grid, and
// the 党员中心户 with their buildings (a note or a visit told on the phone recorded for them).
import { adminTabs, api, attempt, fileBase64, fmt, h, onThisPage, options, state, toast, view } from "./lib.js";

const CHANNELS = [["simulator", "模拟器"], ["wechaty", "微信"], ["wecom", "企业微信"], ["wechat-mp", "服务号"], ["wecom-kf", "微信客服"], ["http", "HTTP 接口"]];
const KINDS = [["volunteer", "红色志愿者"], ["partner", "红色合伙人"]];
const TASK_STATUS = { offered: "待认领", claimed: "已认领", done: "已完成", expired: "无人认领" };
const words = (s) => s.split(/[\s,，、]+/).filter(Boolean);

export default function volunteersPage() {
  return volunteersView();
}

/** The page, with the ranking of `month` (the server's current month unless chosen). */
async function volunteersView(month) {
  const [data, ranking] = await Promise.all([api("GET", "/api/admin/volunteers"), api("GET", `/api/admin/volunteers/ranking${month ? `?month=${encodeURIComponent(month)}` : ""}`)]);
  const reload = onThisPage(() => volunteersView(ranking.month));
  const grids = data.areas.filter((a) => a.level === "grid");
  const buildings = data.areas.filter((a) => a.level === "building");
  const gridName = (id) => grids.find((g) => g.id === id)?.name ?? "未分网格";
  const buildingLabel = (b) => `${gridName(b.parentId)} ${b.name}`;
  view.replaceChildren(
    adminTabs("/admin/volunteers"),
    h("h1", {}, "志愿者与党员中心户"),
    tasksCard(data, gridName, reload),
    rankingCard(ranking, (m) => volunteersView(m)),
    volunteersCard(data, grids, gridName, reload),
    // Which matters volunteers may claim is the city's list.
    state.user.area ? null : mattersCard(data.matters, reload),
    householdsCard(data, buildings, buildingLabel, reload),
  );
}

/** 认领任务: what was offered to whom, who claimed it, and a claim taken by phone. */
function tasksCard(data, gridName, reload) {
  const row = (t) => {
    const pick = h("select", { "aria-label": `替志愿者认领 ${t.caseNumber}` }, options(data.volunteers.filter((v) => v.active && v.gridId === t.gridId).map((v) => [v.id, v.name]), "", "选择志愿者"));
    const claim = () => attempt(() => api("POST", `/api/admin/volunteer-tasks/${t.caseNumber}/claim`, { volunteerId: Number(pick.value) }).then(reload), `已替志愿者认领 ${t.caseNumber}`);
    return h(
      "tr",
      { dataset: { task: t.caseNumber } },
      h("td", {}, h("a", { href: `#/cases/${t.caseNumber}` }, t.caseNumber)),
      h("td", {}, t.matterName ?? "—"),
      h("td", {}, gridName(t.gridId)),
      h("td", {}, h("span", { class: `pill ${t.status}` }, TASK_STATUS[t.status] ?? t.status)),
      h("td", {}, t.volunteerName ?? "—"),
      h("td", {}, t.status === "offered" ? `${fmt(t.expiresAt)} 前` : fmt(t.doneAt ?? t.claimedAt)),
      h("td", {}, t.hours === null ? "—" : `${t.hours} 小时`),
      h("td", {}, t.status === "offered" ? h("span", { class: "row" }, pick, h("button", { type: "button", onclick: claim }, "认领")) : null),
    );
  };
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `认领任务（最近 ${data.tasks.length} 件）`),
    data.tasks.length
      ? h("table", { class: "tasks" }, h("thead", {}, h("tr", {}, ["工单", "事项", "网格", "状态", "志愿者", "时间", "时长", ""].map((c) => h("th", {}, c)))), h("tbody", {}, data.tasks.map(row)))
      : h("p", { class: "muted" }, "还没有志愿者可认领的诉求。"),
  );
}

/** 月度排行: per grid, hours given in the month. */
function rankingCard(ranking, show) {
  const month = h("input", { type: "month", value: ranking.month, "aria-label": "排行月份" });
  return h(
    "section",
    { class: "card ranking" },
    h("h2", {}, `志愿服务月度排行（${ranking.month}）`),
    h("div", { class: "row" }, month, h("button", { type: "button", onclick: () => month.value && show(month.value) }, "查看")),
    ranking.grids.length
      ? ranking.grids.map((g) =>
          h("div", { dataset: { grid: g.gridName } }, h("h3", {}, g.gridName), h("ol", {}, g.volunteers.map((v) => h("li", {}, h("b", {}, v.name), ` ${v.hours} 小时 · ${v.tasks} 件`)))),
        )
      : h("p", { class: "muted" }, "本月还没有完成的志愿服务。"),
  );
}

/** 志愿者名册: each volunteer, stop or resume; add one; import a file. */
function volunteersCard(data, grids, gridName, reload) {
  const f = {
    name: h("input", { placeholder: "姓名", "aria-label": "志愿者姓名" }),
    phone: h("input", { placeholder: "电话", "aria-label": "电话", size: 12 }),
    sharePhone: h("input", { type: "checkbox" }),
    grid: h("select", { "aria-label": "网格" }, options(grids.map((g) => [g.id, g.name]), "", "（未指定网格）")),
    kind: h("select", { "aria-label": "类型" }, options(KINDS, "volunteer")),
    channel: h("select", { "aria-label": "聊天渠道" }, options(CHANNELS, "", "（只在控制台）")),
    address: h("input", { placeholder: "聊天账号", "aria-label": "聊天账号" }),
    skills: h("input", { placeholder: "技能，如 买菜、取药", "aria-label": "技能" }),
    availability: h("input", { placeholder: "服务时间", "aria-label": "服务时间", size: 10 }),
    partyMember: h("input", { type: "checkbox" }),
  };
  const add = () =>
    attempt(
      () =>
        api("POST", "/api/admin/volunteers", {
          name: f.name.value, phone: f.phone.value, sharePhone: f.sharePhone.checked, gridId: f.grid.value ? Number(f.grid.value) : null, kind: f.kind.value,
          channel: f.channel.value || null, address: f.address.value || null, skills: words(f.skills.value), availability: f.availability.value, partyMember: f.partyMember.checked,
        }).then(reload),
      "已添加志愿者",
    );
  const item = (v) =>
    h(
      "tr",
      { dataset: { volunteer: v.name }, class: v.active ? "" : "muted" },
      h("td", {}, h("b", {}, v.name), v.partyMember ? h("span", { class: "pill" }, "党员") : null),
      h("td", {}, KINDS.find(([k]) => k === v.kind)?.[1] ?? v.kind),
      h("td", {}, gridName(v.gridId)),
      h("td", {}, v.skills.join("、") || "—"),
      h("td", {}, v.availability || "—"),
      h("td", {}, v.channel ? `${CHANNELS.find(([c]) => c === v.channel)?.[1] ?? v.channel}：${v.address}` : "只在控制台"),
      h("td", {}, v.phone || "—", v.sharePhone ? h("span", { class: "muted small" }, "（同意告知居民）") : null),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => attempt(() => api("PATCH", `/api/admin/volunteers/${v.id}`, { active: !v.active }).then(reload), v.active ? "已停用" : "已启用") }, v.active ? "停用" : "启用")),
    );
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `志愿者（${data.volunteers.filter((v) => v.active).length} 人在册）`),
    h("table", { class: "volunteers" }, h("thead", {}, h("tr", {}, ["姓名", "类型", "网格", "技能", "服务时间", "聊天", "电话", ""].map((c) => h("th", {}, c)))), h("tbody", {}, data.volunteers.map(item))),
    h("div", { class: "row" }, f.name, f.phone, h("label", { class: "small" }, f.sharePhone, "同意告知居民电话"), f.grid, f.kind),
    h("div", { class: "row" }, f.channel, f.address, f.skills, f.availability, h("label", { class: "small" }, f.partyMember, "党员"), h("button", { type: "button", onclick: add }, "添加志愿者")),
    ...importControl({ path: "/api/admin/volunteers/import", label: "志愿者名册文件", hint: "导入名册（表头：姓名、电话、同意告知电话、网格、渠道、聊天账号、类型、技能、服务时间、党员；有问题的文件整体不导入）：", unit: "人" }, reload),
  );
}

/** 志愿者可认领: which matters' appeals go to the grid's volunteers first. */
function mattersCard(matters, reload) {
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "志愿者可认领的事项"),
    h("p", { class: "muted small" }, "勾选的事项，诉求先发给所在网格的志愿者认领，无人认领再转交工作人员。"),
    h("div", { class: "claimable" }, matters.map((m) =>
      h("label", { class: "small", dataset: { matter: m.code } },
        h("input", { type: "checkbox", checked: m.volunteerClaimable, onchange: (e) => attempt(() => api("PATCH", `/api/admin/volunteers/matters/${m.code}`, { volunteerClaimable: e.target.checked }).then(reload), "已保存") }),
        `${m.code} ${m.name}`),
    )),
  );
}

/** 党员中心户: each household and its buildings; add one; record a note or a visit told on the phone. */
function householdsCard(data, buildings, buildingLabel, reload) {
  const f = {
    name: h("input", { placeholder: "户名，如 张建国家", "aria-label": "党员中心户名称" }),
    phone: h("input", { placeholder: "电话", "aria-label": "党员中心户电话", size: 12 }),
    families: h("input", { type: "number", min: 0, value: 0, "aria-label": "联系户数", size: 5 }),
    channel: h("select", { "aria-label": "党员中心户聊天渠道" }, options(CHANNELS, "", "（只在控制台）")),
    address: h("input", { placeholder: "聊天账号", "aria-label": "党员中心户聊天账号" }),
    buildings: h("select", { multiple: true, size: 4, "aria-label": "联系的楼栋" }, options(buildings.map((b) => [b.id, buildingLabel(b)]))),
  };
  const add = () =>
    attempt(
      () =>
        api("POST", "/api/admin/households", {
          name: f.name.value, phone: f.phone.value, families: Number(f.families.value || 0), channel: f.channel.value || null, address: f.address.value || null,
          buildingIds: [...f.buildings.selectedOptions].map((o) => Number(o.value)),
        }).then(reload),
      "已添加党员中心户",
    );
  const item = (hh) => {
    const number = h("input", { placeholder: "工单号", "aria-label": `${hh.name} 的工单号`, size: 12 });
    const text = h("input", { placeholder: "备注或走访情况", "aria-label": `${hh.name} 的备注`, class: "grow" });
    const note = (visit) => attempt(() => api("POST", `/api/admin/households/${hh.id}/notes`, { number: number.value.trim(), text: text.value, visit }).then(reload), visit ? "已记录走访" : "已添加备注");
    return h(
      "li",
      { dataset: { household: hh.name } },
      h("b", {}, hh.name),
      h("span", { class: "muted small" }, ` 联系 ${hh.families} 户 · ${hh.buildings.map((b) => b.name).join("、") || "未指定楼栋"} · ${hh.channel ? `${hh.channel}：${hh.address}` : "只在控制台"}`),
      h("div", { class: "row" }, number, text, h("button", { type: "button", onclick: () => note(true) }, "记录走访"), h("button", { type: "button", class: "link", onclick: () => note(false) }, "备注")),
    );
  };
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `党员中心户（${data.households.length}）`),
    h("ul", { class: "households" }, data.households.map(item)),
    h("div", { class: "row" }, f.name, f.phone, f.families, f.channel, f.address),
    h("div", { class: "row" }, f.buildings, h("button", { type: "button", onclick: add }, "添加党员中心户")),
    ...importControl({
      path: "/api/admin/households/import", label: "党员中心户名册文件", unit: "户",
      hint: "导入党员中心户（表头：户名、电话、联系户数、网格或社区、楼栋（多个用、分隔，也可写“网格/楼栋”）、渠道、聊天账号、备注；同名的更新；有问题的文件整体不导入）：",
    }, reload),
  );
}

/** A register's file: chosen, sent, and either imported or refused whole with every row's problem listed. */
function importControl({ path, label, hint, unit }, reload) {
  const file = h("input", { type: "file", accept: ".csv,.xlsx", "aria-label": label });
  const problems = h("ul", { class: "problems error", "aria-label": label.replace("文件", "问题") });
  const importFile = async () => {
    problems.replaceChildren();
    const chosen = file.files?.[0];
    if (!chosen) return toast("请选择 .csv 或 .xlsx 文件", true);
    try {
      const r = await api("POST", path, { fileName: chosen.name, content: await fileBase64(chosen) });
      toast(`已导入：新增 ${r.added} ${unit}，更新 ${r.changed} ${unit}`);
      await reload();
    } catch (err) {
      toast(err.message, true);
      for (const p of err.body?.error?.errors ?? []) problems.append(h("li", {}, `第 ${p.row} 行${p.field ? `（${p.field}）` : ""}：${p.message}`));
    }
  };
  return [h("div", { class: "row" }, h("span", { class: "muted small" }, hint), file, h("button", { type: "button", onclick: importFile }, "导入")), problems];
}
