// The organisation page's areas and units: the hierarchy 市 → 区 → 街道 → 社区 → 网格 → 楼栋 with who answers for
// each area (督办), and the units with their area and how they are reached. A district's or a street's
// administrator sees their own area at the top: they keep what is below it (the level above renames it).
import { api, attempt, h, options } from "./lib.js";

const CONTACT_KINDS = [["room", "群"], ["contact", "联系人"], ["member", "办事人员（只用于识别）"], ["webhook", "Webhook（企业微信机器人等）"], ["phone", "电话"]];
/** Contact kinds that live in a chat channel, so they need one. */
const CHAT_KINDS = ["room", "contact", "member"];
export const CONTACT_CHANNELS = [["wechaty", "微信"], ["wecom", "企业微信"], ["simulator", "模拟器"]];
const contactChannel = (name) => CONTACT_CHANNELS.find(([c]) => c === name)?.[1] ?? name;
const UNIT_KINDS = [["department", "职能部门"], ["property", "物业"], ["committee", "居委会"], ["street_office", "街道办"], ["utility", "公用事业"], ["other", "其他"]];
/** The level an area of each level has below it. */
const CHILD = { city: "district", district: "street", street: "community", community: "grid", grid: "building", building: null };
/** What may stand at the top (a city's administrator adds these). */
const TOP_LEVELS = ["city", "district", "street"];

/** The areas as a tree; an area whose parent is not shown (a street's administrator's own street) is a root. */
export function areasCard(org, reload) {
  const shown = new Set(org.areas.map((a) => a.id));
  const children = (parentId) => org.areas.filter((a) => (parentId === null ? !shown.has(a.parentId) : a.parentId === parentId));
  const own = org.scope?.areaId ?? null;
  const add = (level, parentId, where) => () => {
    const n = prompt(`${where ? `在“${where}”下` : ""}新增${org.levels[level]}，名称：`);
    if (n) attempt(() => api("POST", "/api/admin/areas", { level, name: n, parentId }).then(reload), "已新增");
  };
  const node = (a) => {
    const childLevel = CHILD[a.level];
    const name = h("input", { value: a.name, "aria-label": `${org.levels[a.level]}名称`, class: "inline-name", readOnly: a.id === own });
    return h(
      "li",
      { dataset: { area: a.name, level: a.level } },
      h(
        "div",
        { class: "row" },
        h("span", { class: `pill level-${a.level}` }, org.levels[a.level]),
        name,
        a.id === own
          ? h("span", { class: "muted small" }, "本辖区（名称由上级维护）")
          : [
            h("button", { type: "button", class: "link", onclick: () => attempt(() => api("PATCH", `/api/admin/areas/${a.id}`, { name: name.value }).then(reload), "已改名") }, "改名"),
            h("button", { type: "button", class: "link", onclick: () => confirm(`删除“${a.name}”？`) && attempt(() => api("DELETE", `/api/admin/areas/${a.id}`).then(reload), "已删除") }, "删除"),
          ],
        childLevel ? h("button", { type: "button", class: "link", onclick: add(childLevel, a.id, a.name) }, `＋${org.levels[childLevel]}`) : null,
      ),
      a.level !== "building" ? contactsBlock(a.contacts, `/api/admin/areas/${a.id}/contacts`, "/api/admin/area-contacts", reload, "督办联系方式") : null,
      h("ul", { class: "tree" }, children(a.id).map(node)),
    );
  };
  return h(
    "section",
    { class: "card areas" },
    h("h2", {}, "区域（市 → 区 → 街道 → 社区 → 网格 → 楼栋）"),
    h("p", { class: "muted small" }, "超时工单按 网格 → 社区 → 街道 → 区 逐级督办（一级、二级、三级督办），发往各级的联系方式。"),
    h("ul", { class: "tree" }, children(null).map(node)),
    own ? null : h("div", { class: "row" }, TOP_LEVELS.map((level) => h("button", { type: "button", onclick: add(level, null, null) }, `＋${org.levels[level]}`))),
  );
}

/** A list of contacts with a small form to add one. */
export function contactsBlock(contacts, addPath, deletePath, reload, label) {
  const kind = h("select", { "aria-label": "联系方式类型" }, options(CONTACT_KINDS, "room"));
  const channel = h("select", { "aria-label": "联系方式渠道" }, options(CONTACT_CHANNELS, "wechaty"));
  const address = h("input", { placeholder: "群 ID / 微信或企业微信账号 / URL / 电话", "aria-label": "联系地址" });
  const name = h("input", { placeholder: "名称（可选）", "aria-label": "联系方式名称" });
  kind.addEventListener("change", () => (channel.hidden = !CHAT_KINDS.includes(kind.value)));
  return h(
    "details",
    { class: "contacts" },
    h("summary", { class: "small" }, `${label}（${contacts.length}）`),
    h("ul", {}, contacts.map((c) => h("li", { class: "small" }, `${CONTACT_KINDS.find(([k]) => k === c.kind)?.[1] ?? c.kind}${c.channel ? `（${contactChannel(c.channel)}）` : ""}：${c.name ? `${c.name} ` : ""}${c.address} `, h("button", { type: "button", class: "link", onclick: () => attempt(() => api("DELETE", `${deletePath}/${c.id}`).then(reload), "已删除") }, "删除")))),
    h("div", { class: "row" }, kind, channel, address, name, h("button", { type: "button", onclick: () => attempt(() => api("POST", addPath, { kind: kind.value, channel: CHAT_KINDS.includes(kind.value) ? channel.value : undefined, address: address.value, name: name.value || undefined }).then(reload), "已添加") }, "添加")),
  );
}

/** The units, each with its area; a new one is put in an area (a district's or a street's administrator: one of theirs). */
export function unitsCard(org, reload) {
  const areaName = new Map(org.areas.map((a) => [a.id, a.name]));
  const placed = org.areas.filter((a) => a.level !== "building").map((a) => [a.id, `${org.levels[a.level]} · ${a.name}`]);
  const name = h("input", { placeholder: "单位名称", "aria-label": "新单位名称" });
  const kind = h("select", { "aria-label": "新单位类型" }, options(UNIT_KINDS, "department"));
  const area = h("select", { "aria-label": "新单位所属区域" }, options(placed, org.scope?.areaId ?? "", org.scope ? undefined : "（全市，不属于某个区域）"));
  return h(
    "section",
    { class: "card" },
    h("h2", {}, `承办单位（${org.units.length}）`),
    h("ul", { class: "units" }, org.units.map((u) =>
      h("li", { dataset: { unit: u.name } }, h("b", {}, u.name), h("span", { class: "muted small" }, ` ${UNIT_KINDS.find(([k]) => k === u.kind)?.[1] ?? u.kind} · ${u.areaId ? areaName.get(u.areaId) ?? "" : "全市"} · 主责 ${u.matters} 项`), u.contacts.length ? null : h("span", { class: "pill late" }, "无联系方式"), contactsBlock(u.contacts, `/api/admin/units/${u.id}/contacts`, "/api/admin/unit-contacts", reload, "派单联系方式")))),
    h("div", { class: "row" }, name, kind, area, h("button", { type: "button", onclick: () => attempt(() => api("POST", "/api/admin/units", { name: name.value, kind: kind.value, areaId: Number(area.value) || null }).then(reload), "已新增单位") }, "新增单位")),
  );
}
