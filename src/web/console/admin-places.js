// 服务场所: the community's service places (老年食堂, 党群服务中心 …) as administrators keep them — hours per weekday
// and on public holidays, services with prices and bookings, staff contacts — edited here or imported from a
// CSV/XLSX file (previewed; a file with bad rows is refused whole). The bot answers residents from this data.
import { adminTabs, api, attempt, fileBase64, h, onThisPage, options, toast, view } from "./lib.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export default async function placesView() {
  const [{ places, kinds, weekdays, fileHeader }, org] = await Promise.all([api("GET", "/api/admin/places"), api("GET", "/api/admin/org")]);
  const areas = org.areas.filter((a) => a.level === "street" || a.level === "community");
  const reload = onThisPage(() => placesView());
  const ctx = { kinds, weekdays, areas, reload };
  const adding = h("div", {});
  view.replaceChildren(
    adminTabs("/admin/places"),
    h("h1", {}, "服务场所"),
    h("p", { class: "muted small" }, "社区的老年食堂、党群服务中心、卫生服务站等。居民问“在哪”“几点开门”“今天开吗”“多少钱”“怎么预约”时，机器人按这里的数据回答，不生成工单；法定节假日按“节假日”时间，调休上班的周末按周一的时间。"),
    h("div", { class: "row" }, h("button", { type: "button", class: "primary", onclick: () => adding.replaceChildren(placeForm(null, ctx, () => adding.replaceChildren())) }, "新增场所")),
    adding,
    importPanel(fileHeader, reload),
    places.length ? h("div", { id: "places" }, places.map((p) => placeCard(p, ctx))) : h("p", { class: "empty" }, "还没有服务场所"),
  );
}

const hoursText = (ranges) => (ranges.length ? ranges.join("、") : "休息");

function placeCard(p, ctx) {
  const body = h("div", {});
  const show = () =>
    body.replaceChildren(
      h("dl", { class: "facts" },
        h("dt", {}, "类型"), h("dd", {}, ctx.kinds[p.kind] ?? p.kind),
        h("dt", {}, "地址"), h("dd", {}, p.address),
        h("dt", {}, "电话"), h("dd", {}, p.phone || "—"),
        h("dt", {}, "所属区域"), h("dd", {}, p.areaName ?? "—"),
        h("dt", {}, "别名"), h("dd", {}, p.aliases.join("、") || "—"),
        h("dt", {}, "开放时间"), h("dd", {}, h("ul", { class: "hours" }, DAYS.map((d) => h("li", {}, `${ctx.weekdays[d]} ${hoursText(p.hours[d])}`)), h("li", {}, `法定节假日 ${hoursText(p.holidayHours)}`))),
        p.note ? [h("dt", {}, "备注"), h("dd", {}, p.note)] : null,
      ),
      h("div", { class: "table-wrap" }, h("table", { class: "services" },
        h("thead", {}, h("tr", {}, h("th", {}, "服务"), h("th", {}, "价格"), h("th", {}, "预约"), h("th", {}, "说明"))),
        h("tbody", {}, p.services.filter((s) => s.active).map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, s.price || "—"), h("td", {}, s.bookable ? "可预约" : "—"), h("td", {}, s.description || "")))),
      )),
      contactsView(p, ctx),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => body.replaceChildren(placeForm(p, ctx, show)) }, "编辑"),
        h("button", { type: "button", onclick: () => attempt(async () => { await api("PATCH", `/api/admin/places/${p.id}`, { active: !p.active }); ctx.reload(); }, p.active ? "已停用" : "已启用") }, p.active ? "停用" : "启用"),
      ),
    );
  show();
  return h("section", { class: "card place", dataset: { place: p.code } },
    h("div", { class: "row spread" }, h("h2", {}, p.name), h("span", { class: p.active ? "pill resolved" : "pill late" }, p.active ? "开放中" : "已停用")),
    body);
}

function contactsView(p, ctx) {
  const kind = h("select", { "aria-label": `${p.name} 联系方式类型` }, options([["room", "工作群"], ["contact", "联系人"], ["phone", "电话"], ["webhook", "Webhook"]], "room"));
  const channel = h("select", { "aria-label": `${p.name} 联系方式渠道` }, options([["wechaty", "微信（Wechaty）"], ["wecom", "企业微信"], ["simulator", "模拟器"]], "wechaty"));
  const address = h("input", { placeholder: "群 ID / 联系人 / 电话 / 地址", "aria-label": `${p.name} 联系地址` });
  return h("details", {},
    h("summary", {}, `工作人员联系方式（${p.contacts.length}）`),
    h("ul", {}, p.contacts.map((c) => h("li", {}, `${c.kind} ${c.channel ?? ""} ${c.address} ${c.name ?? ""} `,
      h("button", { type: "button", class: "link", onclick: () => attempt(async () => { await api("DELETE", `/api/admin/place-contacts/${c.id}`); ctx.reload(); }, "已删除") }, "删除")))),
    h("div", { class: "row" }, kind, channel, address,
      h("button", { type: "button", onclick: () => attempt(async () => {
        const body = { kind: kind.value, address: address.value, ...(["room", "contact", "member"].includes(kind.value) ? { channel: channel.value } : {}) };
        await api("POST", `/api/admin/places/${p.id}/contacts`, body);
        ctx.reload();
      }, "已添加") }, "添加")));
}

/** "家政保洁|30元/小时|可预约", one service a line: as the import file's 服务 column. */
const servicesText = (services) => services.filter((s) => s.active).map((s) => [s.name, s.price, s.bookable ? "可预约" : ""].join("|").replace(/\|+$/, "")).join("\n");
const servicesFrom = (text, old) =>
  text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name = "", price = "", bookable = ""] = l.split(/[|｜]/).map((s) => s.trim());
    const before = old.find((s) => s.name === name);
    return { name, price, bookable: /^(是|可|可预约)$/.test(bookable), ...(before ? { durationMinutes: before.durationMinutes, description: before.description } : {}) };
  });
const ranges = (text) => text.split(/[、,，;；\s]+/).map((s) => s.trim()).filter((s) => s && s !== "休息");

function placeForm(p, ctx, done) {
  const field = (label, input) => h("label", { class: "field" }, h("span", {}, label), input);
  const input = (label, value, props = {}) => h("input", { value: value ?? "", "aria-label": label, ...props });
  const code = input("编码", p?.code, { placeholder: "如 XF-CANTEEN", disabled: Boolean(p) });
  const name = input("名称", p?.name);
  const kind = h("select", { "aria-label": "类型" }, options(Object.entries(ctx.kinds), p?.kind ?? "canteen"));
  const address = input("地址", p?.address, { class: "grow" });
  const phone = input("电话", p?.phone, { placeholder: "0571-86012301" });
  const aliases = input("别名", p?.aliases.join("、"), { placeholder: "用、分隔" });
  const area = h("select", { "aria-label": "所属区域" }, options(ctx.areas.map((a) => [String(a.id), a.name]), p?.areaId ? String(p.areaId) : "", "（无）"));
  const days = Object.fromEntries(DAYS.map((d) => [d, input(`${ctx.weekdays[d]}开放时间`, p?.hours[d].join("、"), { placeholder: "休息" })]));
  const holiday = input("法定节假日开放时间", p?.holidayHours.join("、"), { placeholder: "休息" });
  const services = h("textarea", { rows: 4, "aria-label": "服务（每行：名称|价格|可预约）" }, p ? servicesText(p.services) : "");
  const note = input("备注", p?.note, { class: "grow" });
  const submit = (e) => {
    e.preventDefault();
    const body = {
      name: name.value, kind: kind.value, address: address.value, phone: phone.value.trim(), note: note.value,
      aliases: aliases.value.split(/[、,，]/).map((s) => s.trim()).filter(Boolean),
      areaId: area.value ? Number(area.value) : null,
      hours: Object.fromEntries(DAYS.map((d) => [d, ranges(days[d].value)])), holidayHours: ranges(holiday.value),
      services: servicesFrom(services.value, p?.services ?? []),
    };
    void attempt(async () => {
      if (p) await api("PATCH", `/api/admin/places/${p.id}`, body);
      else await api("POST", "/api/admin/places", { ...body, code: code.value.trim() });
      ctx.reload();
    }, p ? "已保存" : "已新增");
  };
  return h("form", { class: "card place-form", onsubmit: submit },
    h("div", { class: "row" }, field("编码", code), field("名称", name), field("类型", kind), field("所属区域", area)),
    h("div", { class: "row" }, field("地址", address), field("电话", phone), field("别名", aliases)),
    h("fieldset", {}, h("legend", {}, "开放时间（如 11:00-12:30、17:00-18:00；空着为休息）"),
      h("div", { class: "row" }, DAYS.map((d) => field(ctx.weekdays[d], days[d])), field("法定节假日", holiday))),
    field("服务（每行：名称|价格|可预约）", services),
    h("div", { class: "row" }, field("备注", note)),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, "保存"), h("button", { type: "button", onclick: done }, "取消")),
  );
}

function importPanel(fileHeader, reload) {
  const input = h("input", { type: "file", accept: ".csv,.xlsx", "aria-label": "选择场所文件" });
  const result = h("div", {});
  const read = async () => {
    const file = input.files[0];
    if (!file) throw Object.assign(new Error("请先选择 .csv 或 .xlsx 文件"), { status: 400 });
    return { fileName: file.name, content: await fileBase64(file) };
  };
  const preview = () => attempt(async () => {
    const body = await read();
    const p = await api("POST", "/api/admin/places/import/preview", body);
    const problems = p.errors.map((e) => h("li", {}, `第 ${e.row} 行${e.field ? `（${e.field}）` : ""}：${e.message}`));
    result.replaceChildren(
      p.errorCount
        ? h("div", { class: "error", id: "place-import-problems" }, h("p", {}, `文件有 ${p.errorCount} 处问题，整个文件不会导入：`), h("ul", {}, problems))
        : h("div", {},
            h("p", {}, `将新增 ${p.places.filter((x) => x.isNew).length} 个、修改 ${p.places.filter((x) => !x.isNew).length} 个场所：`),
            h("ul", {}, p.places.map((x) => h("li", {}, `${x.isNew ? "新增" : "修改"} ${x.code} ${x.name}（${x.services} 项服务）`))),
            h("button", { type: "button", class: "primary", onclick: () => attempt(async () => {
              const saved = await api("POST", "/api/admin/places/import", body);
              toast(`已导入：新增 ${saved.added} 个，修改 ${saved.changed} 个`);
              reload();
            }) }, "确认导入")),
    );
  });
  return h("details", { class: "card" },
    h("summary", {}, "从 CSV / Excel 文件导入"),
    h("p", { class: "muted small" }, "每行一个场所，按编码新增或修改。表头：", fileHeader.join(",")),
    h("p", { class: "muted small" }, "开放时间写成 11:00-12:30、17:00-18:00（空着或“休息”为不开放）；服务写成 名称|价格|可预约，多项用；分隔；区域按名称。"),
    h("div", { class: "row" }, input, h("button", { type: "button", class: "primary", onclick: preview }, "预览")),
    result);
}
