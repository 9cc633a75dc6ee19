// A resident asking to book a place's service ("预约下周二上午的家政保洁", "帮我约明天下午3点的助浴"): a booking word and
// a service the place offers, read with the same place matching as the questions (answers.ts). "家政保洁怎么预约"
// is a question about booking (answered with how to book), not a booking; a complaint is neither.
import { clean, COMPLAINT, matchPlace, type PlaceFacts } from "./answers.ts";
import { parseWhen, type WhenSaid } from "./slots.ts";

const BOOK = /(预约|预订|帮我约|给我约|想约|约一?下|约个|约在|约到|想订|订一?个|约)/;
/** How to book, whether one may: a question (answers.ts), not a booking. */
const HOW = /(怎么|如何|怎样|流程|电话|多少钱|哪里|在哪|能预约吗|可以预约吗|能约吗|可以约吗|需要预约吗|要预约吗|能不能预约|可不可以预约)/;

export interface BookingRequestSaid {
  place: PlaceFacts;
  service: PlaceFacts["services"][number];
  when: WhenSaid | null;
}

/** A booking request, or null (no booking word, no service named, a question about booking, a complaint). */
export function recogniseBookingRequest(text: string, places: PlaceFacts[], now: Date, preferredAreaIds: number[] = []): BookingRequestSaid | null {
  const t = clean(text);
  if (!t || t.length > 80 || !BOOK.test(t) || HOW.test(t) || COMPLAINT.test(t)) return null;
  const { place, service } = matchPlace(t, places, preferredAreaIds);
  const offered = place && service ? place.services.find((s) => s.name === service) : undefined;
  if (!place || !offered) return null;
  return { place, service: offered, when: parseWhen(text, now) };
}
