// Questions about the community's service places, answered from the seeded data on a fake clock against the real
// service (HTTP channel, real SQLite file): no case is opened; complaints about a place still open one. And the
// recogniser and the calendar alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { groupMessage, startService, type TestService } from "./helpers/service.ts";
import { cst, FakeClock } from "./helpers/clock.ts";
import { recognisePlaceQuestion, type PlaceFacts } from "../src/places/answers.ts";
import { hoursOn } from "../src/places/hours.ts";
import { officialCalendar } from "../src/domain/deadlines.ts";

const PATH = "/api/channels/http/messages";
const clock = new FakeClock(cst("2026-09-30T10:00"));
let svc: TestService;

beforeAll(async () => {
  svc = await startService({}, { clock: clock.now });
});
afterAll(async () => {
  await svc.close();
});

/** A private message from a new resident. */
const privately = (text: string) => ({ messageId: randomUUID(), chatId: `wx-private-${randomUUID()}`, senderId: `wx-${randomUUID()}`, text });

/** Sends a message at `at` and says how many cases it opened. */
async function ask(at: string, message: Record<string, unknown>) {
  clock.set(cst(at));
  const before = await svc.services.db.case.count();
  const { status, body } = await svc.post(PATH, message);
  expect(status).toBe(200);
  return { body, text: (body.replies as { text: string }[]).map((r) => r.text).join("\n"), opened: (await svc.services.db.case.count()) - before };
}

describe("questions about places, without a case", () => {
  it("says the canteen is closed on 国庆 (2026-10-01, a Thursday) and when it opens next", async () => {
    const { body, text, opened } = await ask("2026-10-01T10:00", groupMessage("@小民 老年食堂今天开门吗"));
    expect(opened).toBe(0);
    expect(body.outcome).toBe("place_info");
    expect(body.case).toBeUndefined();
    expect(text).toContain("幸福社区老年食堂今天（10月1日周四，国庆节）不开放");
    // 10-02 … 10-07 are the holiday; 10-08 is the first working day.
    expect(text).toContain("下次开放：10月8日周四 11:00-12:30、17:00-18:00");
  });

  it("opens the canteen on the 调休 Saturday 2026-10-10 with a weekday's hours", async () => {
    const { body, text, opened } = await ask("2026-10-10T11:15", privately("老年食堂今天开门吗？"));
    expect(opened).toBe(0);
    expect(body.outcome).toBe("place_info");
    expect(text).toContain("10月10日周六，国庆节调休上班");
    expect(text).toContain("11:00-12:30、17:00-18:00");
    expect(text).toContain("现在正在开放");
  });

  it("on an ordinary Sunday says closed and names the Monday", async () => {
    const { text, opened } = await ask("2026-12-06T09:00", privately("老年食堂今天营业吗"));
    expect(opened).toBe(0);
    expect(text).toContain("不开放");
    expect(text).toContain("下次开放：12月7日周一 11:00-12:30");
  });

  it("tells where the canteen is, and when lunch is served", async () => {
    const where = await ask("2026-09-30T10:00", groupMessage("@小民 请问老年食堂在哪里？"));
    expect(where.opened).toBe(0);
    expect(where.text).toContain("幸福路18号幸福社区党群服务中心一楼东侧");
    const lunch = await ask("2026-09-30T10:01", groupMessage("@小民 中午几点开饭"));
    expect(lunch.opened).toBe(0);
    expect(lunch.body.outcome).toBe("place_info");
    expect(lunch.text).toContain("幸福社区老年食堂开放时间：周一至周五 11:00-12:30、17:00-18:00");
  });

  it("answers the price, and a service's price and booking by its name", async () => {
    const price = await ask("2026-09-30T10:00", privately("老年食堂吃一顿多少钱"));
    expect(price.opened).toBe(0);
    expect(price.text).toContain("助餐：12元/餐，80岁以上8元/餐");
    const booking = await ask("2026-09-30T10:00", privately("家政保洁怎么预约"));
    expect(booking.opened).toBe(0);
    expect(booking.text).toContain("幸福社区党群服务中心可以预约：家政保洁");
    expect(booking.text).toContain("0571-86012300");
  });

  it("gives no phone number in a group, and does in private", async () => {
    const inGroup = await ask("2026-09-30T10:00", groupMessage("@小民 卫生服务站电话多少"));
    expect(inGroup.text).toContain("请私聊我查询");
    expect(inGroup.text).not.toMatch(/0571|\[电话\]/);
    const alone = await ask("2026-09-30T10:00", privately("卫生服务站电话多少"));
    expect(alone.text).toContain("阳光街道社区卫生服务站的电话：0571-86012399");
  });

  it("says so and offers a worker for a place it does not know, and for data it does not have", async () => {
    const unknown = await ask("2026-09-30T10:00", groupMessage("@小民 图书馆在哪里"));
    expect(unknown.opened).toBe(0);
    expect(unknown.body.outcome).toBe("place_info");
    expect(unknown.text).toContain("暂时没有查到“图书馆”的信息");
    expect(unknown.text).toContain("转给社区工作人员");
    // The old party members' studio has no bookable service.
    const none = await ask("2026-09-30T10:00", privately("老党员工作室能预约吗"));
    expect(none.opened).toBe(0);
    expect(none.text).toContain("暂时没有和平社区老党员工作室的预约信息");
    expect(none.text).toContain("转给社区工作人员");
  });

  it("follows an administrator's change at once: a new lunch time is the next answer", async () => {
    const db = svc.services.db;
    const canteen = await db.servicePlace.findUniqueOrThrow({ where: { code: "XF-CANTEEN" } });
    const hours = canteen.hours as Record<string, string[]>;
    try {
      await db.servicePlace.update({ where: { id: canteen.id }, data: { hours: { ...hours, wed: ["10:45-12:30"] } } });
      const { text } = await ask("2026-09-30T09:00", privately("老年食堂今天几点开门"));
      expect(text).toContain("10:45-12:30");
    } finally {
      await db.servicePlace.update({ where: { id: canteen.id }, data: { hours } });
    }
  });
});

describe("complaints about a place are appeals", () => {
  it.each(["老年食堂的饭菜变质了", "卫生服务站门口垃圾没人清"])("opens a case for “%s”", async (words) => {
    const { body, opened } = await ask("2026-09-30T10:00", groupMessage(`@小民 ${words}`));
    expect(body.outcome).toBe("appeal");
    expect(opened).toBe(1);
  });
});

describe("the recogniser and the calendar alone", () => {
  const week = { mon: ["11:00-12:30"], tue: ["11:00-12:30"], wed: ["11:00-12:30"], thu: ["11:00-12:30"], fri: ["11:00-12:30"], sat: [], sun: [] };
  const place = (id: number, name: string, areaIds: number[]): PlaceFacts => ({ id, name, kind: "canteen", address: "某路1号", phone: "", aliases: [], areaIds, week, holiday: [], services: [] });

  it("prefers the place serving the group's community, and otherwise the first", () => {
    const places = [place(1, "和平社区老年食堂", [20]), place(2, "幸福社区老年食堂", [10])];
    expect(recognisePlaceQuestion("食堂几点开饭", places, [3, 10, 1])?.place?.id).toBe(2);
    expect(recognisePlaceQuestion("食堂几点开饭", places, [])?.place?.id).toBe(1);
    // Named, the place wins over the kind word's preference.
    expect(recognisePlaceQuestion("和平社区老年食堂在哪", places, [10])?.place?.id).toBe(1);
  });

  it("leaves complaints, long stories and plain appeals alone", () => {
    const places = [place(1, "幸福社区老年食堂", [10])];
    for (const t of ["老年食堂的饭菜变质了", "食堂今天的菜太咸了为什么没人管", "3号楼电梯坏了两天了", "小区门口的路灯什么时候能修好", "我想问一下我家楼上每天晚上很晚了还在装修敲打到底几点才能停下来啊"]) {
      expect(recognisePlaceQuestion(t, places), t).toBeNull();
    }
  });

  it("leaves the openings of residents' letters alone: reports that name a 中心 or a mealtime are not questions", () => {
    // The first 20–40 characters of letters in ../shared/datasets/appeals-dev.tsv that an earlier recogniser took as questions.
    const places = [place(1, "幸福社区老年食堂", [10])];
    for (const t of [
      "K5县机动车检测中心涉嫌违规收费，一次车检不到半年小时收48",
      "前段时间,花明楼刘奇少纪念馆周边新开了一家叫\"楚竹坊\"的商店",
      "B市堤香蓝岸六、七栋因一楼靠路边门面经营餐馆导致一到吃饭时间",
      "本人在温斯顿楚府中心给小孩报名学习英语，并于2018年7月预",
      "F5县团洲乡中心小学开学报名收费要1400 ，我不知道现在九",
      "前段时间我小孩在跳马中心卫生院做了包皮手术，他们说手术很快过",
    ]) {
      expect(recognisePlaceQuestion(t, places), t).toBeNull();
    }
    // Terse questions naming a known place still are.
    expect(recognisePlaceQuestion("幸福社区老年食堂电话", places)?.question).toBe("phone");
    expect(recognisePlaceQuestion("老年食堂开放时间？", places)?.question).toBe("hours");
  });

  it("knows a holiday, a 调休 working Saturday, a holiday weekend and a local day off", () => {
    const hours = { week, holiday: ["09:00-10:00"] };
    const cal = officialCalendar({ daysOff: ["2026-11-11"] });
    expect(hoursOn(cal, hours, "2026-10-01")).toMatchObject({ kind: "holiday", holiday: "国庆节", ranges: ["09:00-10:00"] });
    expect(hoursOn(cal, hours, "2026-10-03")).toMatchObject({ kind: "holiday", weekday: "sat" });
    expect(hoursOn(cal, hours, "2026-10-10")).toMatchObject({ kind: "swap_workday", ranges: ["11:00-12:30"] });
    expect(hoursOn(cal, hours, "2026-12-05")).toMatchObject({ kind: "weekend", ranges: [] });
    expect(hoursOn(cal, hours, "2026-11-11")).toMatchObject({ kind: "holiday", ranges: ["09:00-10:00"] });
    expect(hoursOn(cal, hours, "2026-11-12")).toMatchObject({ kind: "weekday", ranges: ["11:00-12:30"] });
  });
});
