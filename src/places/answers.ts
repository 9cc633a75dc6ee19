// Questions about service places, told from appeals with pure functions over the text: a place (its name, an
// alias, a kind word, a service it offers) and a question word (在哪 / 几点 / 今天开门吗 / 多少钱 / 怎么预约 /
// 电话). A complaint about a place ("老年食堂的饭菜变质了") is an appeal, not a question, and is left alone.
// The answer is a reply template and its values, filled from the place's data.
import type { WorkCalendar } from "../domain/deadlines.ts";
import { chinaDate } from "../domain/time.ts";
import { KIND_WORDS, PLACE_KINDS, type PlaceKind } from "./kinds.ts";
import { dateLabel, describeWeek, hoursOn, nextOpenDays, openNow, type DayHours, type WeekHours } from "./hours.ts";

export const PLACE_QUESTIONS = ["where", "hours", "today", "price", "booking", "phone"] as const;
export type PlaceQuestion = (typeof PLACE_QUESTIONS)[number];

/** What the recogniser and the answers need of a place. */
export interface PlaceFacts {
  id: number;
  /** ServicePlace.code: loaded from the database (the LLM chooses a place by it); tests may leave it out. */
  code?: string;
  name: string;
  kind: string;
  address: string;
  phone: string;
  aliases: string[];
  areaIds: number[];
  week: WeekHours;
  holiday: string[];
  /** id and durationMinutes: loaded from the database (bookings need them); tests may leave them out. */
  services: { name: string; price: string; bookable: boolean; id?: number; durationMinutes?: number }[];
}

const QUESTION_WORDS: [PlaceQuestion, RegExp][] = [
  ["booking", /(预约|预订|怎么约|能约|可以约|报名|怎么订)/],
  ["price", /(多少钱|价格|价钱|收费|费用|几块|几元|多少元|贵不贵|要钱|免费吗|怎么收)/],
  ["today", /(今天|今日|现在|这会儿?|今儿).{0,8}(开|营业|上班|开放|有饭|吃饭|开饭|关)/],
  ["phone", /(电话|联系方式|号码|怎么联系)/],
  ["where", /(在哪|哪里|哪儿|什么地方|地址|位置|怎么走|怎么去|在什么位置)/],
  // "时间" only as opening time: "前段时间" or "吃饭时间" are not questions about hours.
  ["hours", /(几点|什么时候|(?:开放|营业|开门|服务|上班|办公|就餐|用餐)时间|开门|营业|开放|关门|开饭|上班|几时|周末开|节假日)/],
];

/**
 * Words that make a message about a place a complaint or a report, which opens a case as before. A question
 * about the place's own data rarely says any of them.
 */
export const COMPLAINT = /(变质|坏了|坏掉|馊|发霉|不新鲜|难吃|拉肚子|吃坏|中毒|不卫生|脏|臭|垃圾|没人管|没人清|没人修|没人理|投诉|举报|态度|乱收费|违规|涉嫌|不合理|退费|退钱|太贵了|漏水|噪音|太吵|吵死|堵|破损|损坏|漏电|积水|老鼠|蟑螂|苍蝇|虫子|不开门也不|关着门|怎么回事|为什么|凭什么|反映|问题)/;

/** A place-like name the service does not know ("图书馆在哪"), to say so rather than open a case. */
const UNKNOWN_PLACE = /([\p{Script=Han}]{1,10}?(?:中心|之家|食堂|馆|服务站|卫生站|工作室|活动室|书屋|驿站|餐桌|助餐点))/u;

/**
 * How a question reads: a question word or particle. Without one, only a short message naming a known place is
 * taken as a question ("老年食堂电话"); a longer one is a story or a report, and goes on as an appeal.
 */
const ASKS = /(吗|嘛|呢|么|？|\?|在哪|哪里|哪儿|几点|几时|多少|什么时候|什么地方|怎么|如何|能不能|可不可以|可以.{0,8}吗|有没有|是否|请问)/;
const TERSE = 12;

export interface RecognisedQuestion {
  question: PlaceQuestion;
  /** The place meant, or null when the words name a place the data does not have. */
  place: PlaceFacts | null;
  /** The service asked about (its price, its booking), when one is named. */
  service: string | null;
  /** What the resident called it, for "we have no such place". */
  said: string;
}

export const clean = (text: string) => text.replace(/[\s，。！？!?,.~～、：:；;“”"']+/g, "");

/**
 * The place a cleaned text means — by its name or an alias, else a service it offers, else a word for its kind —
 * and the service named there; among places that fit, those serving `preferredAreaIds` come first.
 */
export function matchPlace(t: string, places: PlaceFacts[], preferredAreaIds: number[] = []): { place: PlaceFacts | null; service: string | null; kindWord: string | null; fits: PlaceFacts[] } {
  const byName = places.filter((p) => [p.name, ...p.aliases].some((n) => n && t.includes(clean(n))));
  const service = places.flatMap((p) => p.services.map((s) => ({ p, s }))).filter(({ s }) => s.name.length >= 2 && t.includes(s.name));
  const kindWord = PLACE_KINDS.flatMap((k) => KIND_WORDS[k].filter((w) => t.includes(w)).map((w) => ({ k, w })))[0] as { k: PlaceKind; w: string } | undefined;
  const byKind = kindWord ? places.filter((p) => p.kind === kindWord.k) : [];
  const candidates = byName.length ? byName : service.length ? [...new Set(service.map((x) => x.p))] : byKind;
  const near = candidates.filter((p) => p.areaIds.some((a) => preferredAreaIds.includes(a)));
  const fits = near.length ? near : candidates;
  const place = fits[0] ?? null;
  return { place, service: place ? (service.find((x) => x.p === place)?.s.name ?? null) : null, kindWord: kindWord?.w ?? null, fits };
}

/**
 * A clear question about a place, or null (not a question about a place, or a complaint about one). Among places
 * that fit, those serving `preferredAreaIds` (the group's grid and the areas above it) come first.
 */
export function recognisePlaceQuestion(text: string, places: PlaceFacts[], preferredAreaIds: number[] = []): RecognisedQuestion | null {
  const t = clean(text);
  if (!t || t.length > 40 || COMPLAINT.test(t)) return null;
  const question = QUESTION_WORDS.find(([, re]) => re.test(t))?.[0];
  if (!question) return null;
  const asks = ASKS.test(text);

  const { place, service: serviceName, kindWord } = matchPlace(t, places, preferredAreaIds);
  if (place && (asks || t.length <= TERSE)) return { question, place, service: serviceName, said: place.name };
  if (!asks) return null;
  if (kindWord) return { question, place: null, service: null, said: kindWord };
  const unknown = UNKNOWN_PLACE.exec(t);
  return unknown ? { question, place: null, service: null, said: unknown[1] } : null;
}

/** Words for a place the resident does not name ("那个饭堂", "哪个站"): with a question word, the LLM may tell which. */
const PLACEISH = /(地方|哪家|那家|堂|站|室|中心|之家|馆|驿站|书屋|餐厅|诊所|医院|服务点)/;

/**
 * Whether the LLM (when configured) is asked which place and which question a message means: a short question
 * with a question word, no complaint, that the recogniser could not place — no place at all though a place-ish
 * word is there, a kind or a name the data does not have, or places of different kinds that all fit. Narrow on
 * purpose: a clear question is answered locally, and everything else goes on as an appeal without asking.
 */
export function needsPlaceChoice(text: string, recognised: RecognisedQuestion | null, places: PlaceFacts[], preferredAreaIds: number[] = []): boolean {
  const t = clean(text);
  if (!t || t.length > 40 || COMPLAINT.test(t) || !ASKS.test(text) || !QUESTION_WORDS.some(([, re]) => re.test(t))) return false;
  if (!recognised) return PLACEISH.test(t);
  if (!recognised.place) return true;
  return new Set(matchPlace(t, places, preferredAreaIds).fits.map((p) => p.kind)).size > 1;
}

/** The question the recogniser reads in a text (the first question word), or null. */
export const questionWordIn = (text: string): PlaceQuestion | null => QUESTION_WORDS.find(([, re]) => re.test(clean(text)))?.[0] ?? null;

/** A reply template's name and its values. */
export interface PlaceAnswer {
  template: string;
  vars: Record<string, string>;
}

const describeDay = (d: DayHours) => `${dateLabel(d.date)}${d.holiday ? `（${d.holiday}${d.kind === "swap_workday" ? "调休上班" : ""}）` : ""} ${d.ranges.join("、")}`;

/** The answer from the place's data, or the "no such information" answer that offers a worker. */
export function answerPlaceQuestion(q: RecognisedQuestion, calendar: WorkCalendar, now: Date, opts: { isGroup: boolean }): PlaceAnswer {
  const p = q.place;
  if (!p) return { template: "place_unknown", vars: { place: q.said } };
  // Group replies carry no phone numbers (the outbox would mask them): the group is told to ask in private.
  const phone = p.phone;
  const group = opts.isGroup ? "_group" : "";
  const missing = (topic: string): PlaceAnswer => ({ template: "place_no_data", vars: { place: p.name, topic } });
  const hours = { week: p.week, holiday: p.holiday };
  const weekText = describeWeek(p.week);
  const holidayText = p.holiday.length ? `法定节假日 ${p.holiday.join("、")}` : "法定节假日休息";
  const noHours = Object.values(p.week).every((r) => r.length === 0) && p.holiday.length === 0;
  switch (q.question) {
    case "where":
      return { template: "place_where", vars: { place: p.name, address: p.address, week_hours: noHours ? "暂无" : `${weekText}；${holidayText}` } };
    case "hours":
      if (noHours) return missing("开放时间");
      return { template: "place_hours", vars: { place: p.name, week_hours: weekText, holiday_hours: holidayText } };
    case "today": {
      if (noHours) return missing("开放时间");
      const today = chinaDate(now);
      const day = hoursOn(calendar, hours, today);
      const dayName = `${dateLabel(today)}${day.holiday ? `，${day.holiday}${day.kind === "swap_workday" ? "调休上班" : ""}` : ""}`;
      if (day.ranges.length) {
        const { open, laterToday } = openNow(day, now);
        const state = open ? "现在正在开放" : laterToday ? `下一场 ${laterToday.slice(0, 5)} 开始` : "今天的开放时间已过";
        return { template: "place_today_open", vars: { place: p.name, day: dayName, today_hours: day.ranges.join("、"), state } };
      }
      const next = nextOpenDays(calendar, hours, today, 1)[0];
      return { template: "place_today_closed", vars: { place: p.name, day: dayName, next_open: next ? describeDay(next) : "近期暂无开放安排" } };
    }
    case "price": {
      const priced = p.services.filter((s) => s.price && (!q.service || s.name === q.service));
      if (!priced.length) return missing(q.service ? `${q.service}的收费` : "收费");
      return { template: "place_price", vars: { place: p.name, prices: priced.map((s) => `${s.name}：${s.price}`).join("\n") } };
    }
    case "booking": {
      const bookable = p.services.filter((s) => s.bookable && (!q.service || s.name === q.service));
      if (!bookable.length) return missing(q.service ? `${q.service}的预约` : "预约");
      if (!phone) return missing("预约电话");
      const services = bookable.map((s) => s.name).join("、");
      return { template: `place_booking${group}`, vars: { place: p.name, services, address: p.address, ...(group ? {} : { phone }) } };
    }
    case "phone":
      if (!phone) return missing("联系电话");
      return { template: `place_phone${group}`, vars: { place: p.name, ...(group ? {} : { phone }) } };
  }
}
