// Pure rules: working-day deadlines, personal-data redaction, places in text, what a message is.
import { describe, expect, it } from "vitest";
import { addWorkingDays, dueTimes, officialCalendar } from "../src/domain/deadlines.ts";
import { redactPersonalData } from "../src/domain/redact.ts";
import { buildingNumber, findLocation } from "../src/domain/location.ts";
import { detectEmergency, quotedCaseNumber, recogniseSmallTalk, stripAddress } from "../src/intake/recognise.ts";
import { formatCaseNumber } from "../src/domain/case.ts";
import { formatChinaDateTime } from "../src/domain/time.ts";

const cst = (s: string) => new Date(`${s}+08:00`);
const calendar = officialCalendar();

describe("deadlines on the working-day calendar", () => {
  it("skips a weekend", () => {
    // Friday afternoon + 1 working day → Monday, end of the working day.
    expect(addWorkingDays(calendar, cst("2026-11-27T15:00:00"), 1)).toEqual(cst("2026-11-30T18:00:00"));
  });

  it("skips the National Day holiday and counts the make-up Saturday (调休)", () => {
    // 10/1–10/7 are days off; 10/10 (Saturday) is a working day in 2026.
    expect(addWorkingDays(calendar, cst("2026-09-30T10:00:00"), 3)).toEqual(cst("2026-10-10T18:00:00"));
  });

  it("counts a make-up Sunday and skips the Mid-Autumn Friday", () => {
    expect(addWorkingDays(calendar, cst("2026-09-18T09:00:00"), 1)).toEqual(cst("2026-09-20T18:00:00"));
    expect(addWorkingDays(calendar, cst("2026-09-24T09:00:00"), 1)).toEqual(cst("2026-09-28T18:00:00"));
  });

  it("honours local days off", () => {
    const local = officialCalendar({ daysOff: ["2026-11-30"] });
    expect(addWorkingDays(local, cst("2026-11-27T15:00:00"), 1)).toEqual(cst("2026-12-01T18:00:00"));
  });

  it("runs urgent and emergency cases on hours", () => {
    const now = cst("2026-11-28T22:00:00"); // a Saturday night
    const limits = { responseHours: 24, resolveDays: 5 };
    expect(dueTimes(calendar, now, limits, "normal")).toEqual({ responseDueAt: cst("2026-11-29T22:00:00"), resolveDueAt: cst("2026-12-04T18:00:00") });
    expect(dueTimes(calendar, now, limits, "urgent").responseDueAt).toEqual(cst("2026-11-29T00:00:00"));
    expect(dueTimes(calendar, now, limits, "emergency").responseDueAt).toEqual(cst("2026-11-28T22:30:00"));
  });

  it("writes dates the way residents read them", () => {
    expect(formatChinaDateTime(cst("2026-12-04T18:00:00"))).toBe("12月4日周五 18:00");
    // Midnight in China is 00:00 of the next day there (16:00 UTC), at a month's and a year's turn too.
    expect(formatChinaDateTime(new Date("2026-12-31T16:00:00Z"))).toBe("1月1日周五 00:00");
    expect(formatChinaDateTime(cst("2027-02-28T23:59:00"))).toBe("2月28日周日 23:59");
    expect(formatChinaDateTime(cst("2028-02-29T07:05:00"))).toBe("2月29日周二 07:05");
  });

  it("writes them as Intl's zh-CN calendar in Asia/Shanghai does, at any instant", () => {
    const intl = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const byIntl = (at: Date) => {
      const p = Object.fromEntries(intl.formatToParts(at).map((x) => [x.type, x.value]));
      return `${p.month}月${p.day}日${p.weekday} ${p.hour}:${p.minute}`;
    };
    // Every 7 hours and 13 minutes across four years: every hour of the day, every weekday, leap days.
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2029, 0, 1); t += (7 * 60 + 13) * 60_000) expect(formatChinaDateTime(new Date(t))).toBe(byIntl(new Date(t)));
  });
});

describe("personal data in group replies", () => {
  it("masks phone numbers, ID numbers and room numbers but keeps the building", () => {
    const text = "3号楼2单元501室的业主，电话 138-1234-5678，座机0571-88776655，身份证330102199001011234，1802房也漏水";
    const out = redactPersonalData(text);
    expect(out).toContain("3号楼");
    for (const secret of ["501", "1234-5678", "88776655", "330102199001011234", "1802"]) expect(out).not.toContain(secret);
  });

  it("leaves case numbers and times alone", () => {
    expect(redactPersonalData("工单号 2026-000123，12月4日周五 18:00前办结")).toBe("工单号 2026-000123，12月4日周五 18:00前办结");
  });
});

describe("places in an appeal", () => {
  it("finds buildings, roads and spots", () => {
    expect(findLocation("3号楼电梯坏了")).toBe("3号楼");
    expect(findLocation("幸福路上有个大坑")).toBe("幸福路");
    expect(findLocation("小区北门的路灯不亮")).toContain("北门");
    expect(findLocation("电梯坏了")).toBeNull();
    expect(buildingNumber("三号楼电梯")).toBe(3);
    expect(buildingNumber("12栋")).toBe(12);
  });
});

describe("recognising messages", () => {
  const rules = [
    { code: "fire", name: "火情", keywords: ["着火", "冒烟", "火灾"], excludes: ["隐患", "消防通道"], hotline: "119", advice: "" },
    { code: "gas", name: "燃气", keywords: ["煤气味"], excludes: [], hotline: "119", advice: "" },
  ];
  it("detects emergencies but not fire-safety complaints", () => {
    expect(detectEmergency("5号楼着火了！", rules)?.code).toBe("fire");
    expect(detectEmergency("楼道里很浓的煤气味", rules)?.code).toBe("gas");
    expect(detectEmergency("楼道堆物有火灾隐患", rules)).toBeNull();
    expect(detectEmergency("消防通道被车堵了", rules)).toBeNull();
  });

  it("strips the @mention and the trigger prefix", () => {
    expect(stripAddress("@小民\u2005电梯坏了", "小民", ["#诉求"])).toEqual({ text: "电梯坏了", prefixed: false, mentioned: true });
    expect(stripAddress("#诉求：路灯不亮", "小民", ["#诉求"])).toEqual({ text: "路灯不亮", prefixed: true, mentioned: false });
  });

  it("tells small talk from appeals", () => {
    expect(recogniseSmallTalk("你好")).toBe("help");
    expect(recogniseSmallTalk("")).toBe("help");
    expect(recogniseSmallTalk("谢谢！")).toBe("thanks");
    expect(recogniseSmallTalk("我的诉求进度怎么样了")).toBe("my_cases");
    expect(recogniseSmallTalk("你好，3号楼电梯坏了")).toBeNull();
  });

  it("answers an opening with nothing in it yet with the help text, not a case", () => {
    for (const t of ["尊敬的领导，您好！", "领导您好，我想反映一个问题。", "张市长：您好！", "尊敬的周辉县长您好", "物业你好，我要投诉", "社区工作人员们好", "您好，请问一下", "我想咨询个问题"]) {
      expect(recogniseSmallTalk(t), t).toBe("help");
    }
    // Words of an appeal are never taken for an addressee, nor is a complaint about one.
    for (const t of ["尊敬的领导您好，小区电梯坏了", "电梯坏了找社区", "我要投诉物业", "网格员不作为", "领导您好，我想反映一下噪音问题"]) {
      expect(recogniseSmallTalk(t), t).toBeNull();
    }
    expect(recogniseSmallTalk("尊敬的领导：" + "您好".repeat(2_000))).toBeNull();
  });

  it("takes a question of how to use the bot only where it opens or ends the message", () => {
    for (const t of ["怎么用？", "请问你能做什么", "这个怎么使用", "你是谁呀", "帮助"]) expect(recogniseSmallTalk(t)).toBe("help");
    // The bench once sent this cut of a letter, and was answered with the help text.
    expect(recogniseSmallTalk("如此玩弄文字，帮助建筑方建工集")).toBeNull();
    expect(recogniseSmallTalk("物业不帮助我们修电梯怎么办")).toBeNull();
  });

  it("finds a quoted case number", () => {
    expect(quotedCaseNumber(`请问${formatCaseNumber(2026, 123)}办得怎么样`)).toBe("2026-000123");
    expect(quotedCaseNumber("电话 13812345678")).toBeNull();
  });
});
