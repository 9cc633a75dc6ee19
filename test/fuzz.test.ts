// A seeded, bounded fuzz over every operation the OpenAPI description lists: requests generated from each
// operation's parameters and JSON body schema, mixing valid-looking values with hostile ones (wrong types, huge
// strings, lone surrogates, NULs, prototype keys, extreme numbers, deep nesting, empty and malformed bodies), sent
// as an administrator (session + CSRF) and as no one. No answer may be a 5xx, and the service must stay healthy.
// The seed is printed; FUZZ_SEED repeats a run (each operation draws from the seed and its own name, so one
// operation's requests are the same whether it runs alone or among the others). FUZZ_RUNS: requests per caller.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EACH_APPEAL_ITS_OWN_CASE, startService, type TestService } from "./helpers/service.ts";
import { signIn, type Session } from "./helpers/session.ts";
import { rawRequest, type RawResponse } from "./helpers/raw.ts";
import { createUser } from "../src/auth/users.ts";
import { openApiDocument } from "../src/routes/openapi.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261101) >>> 0;
const RUNS = Math.min(Math.max(Number(process.env.FUZZ_RUNS ?? 10), 1), 50);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean; schema?: Schema; example?: unknown }[];
  body?: Schema;
}

/** mulberry32: small, fast, and the same on every machine. */
class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

const hash = (s: string) => [...s].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);

// Words for valid-looking text: none of them an emergency keyword or part of the appeal the health check sends.
const WORDS = ["测试", "模糊", "样例", "fuzz", "abc", "数据", "内容", "Zq", "示例文本", "七彩"];
const HOSTILE_STRINGS = [
  "\ud800",
  "a\udfffb",
  "半个表情\ud83d",
  "\u0000",
  "abc\u0000def",
  "",
  "   ",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "%00",
  "%",
  "\r\n\r\nX-Injected: 1",
  "\u202e反向",
  "😀😀😀",
  "NaN",
  "Infinity",
  "-1",
  "1e999",
  "2026-13-45T99:99:99Z",
  "2026-000001",
  "{{appeal}}{{",
];
const HOSTILE_NUMBERS = [-1, 0, -0, 0.5, -2147483649, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 1e-320];
const BAD_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "\ud800", "\u0000", ""];

function hugeString(r: Rng): string {
  return r.pick(["x", "字", "😀", "\ud800", "a\u0000"]).repeat(r.int(5_000, 120_000));
}

function deep(r: Rng, depth: number): unknown {
  let v: unknown = r.pick(["bottom", 1, null]);
  for (let i = 0; i < depth; i++) v = r.chance(0.5) ? [v] : { a: v };
  return v;
}

/** Something of the wrong kind, whatever the schema asks for. */
function hostile(s: Schema, r: Rng): unknown {
  switch (r.int(0, 11)) {
    case 0:
      return hugeString(r);
    case 1:
      return r.pick(HOSTILE_NUMBERS);
    case 2:
      return r.pick(HOSTILE_STRINGS);
    case 3:
      return r.pick([null, true, false, [], {}, [null], [[]], { "": "" }]);
    case 4:
      return deep(r, r.int(20, 300));
    case 5:
      return Object.fromEntries(BAD_KEYS.map((k) => [k, r.pick([1, "x", {}, null])]));
    case 6:
      return JSON.parse('{"__proto__": {"isAdmin": true, "role": "admin"}, "constructor": {"prototype": {"x": 1}}}');
    case 7:
      // The right type, out of its bounds.
      if (s.type === "string") return "y".repeat((s.maxLength ?? 200) + 1);
      if (s.type === "integer" || s.type === "number") return (s.maximum ?? 1e9) + 1;
      if (s.type === "array") return Array.from({ length: (s.maxItems ?? 100) + 1 }, () => valid(s.items ?? {}, r, 3));
      return valid(s, r, 3);
    case 8:
      return r.pick(HOSTILE_STRINGS) + valid({ type: "string" }, r, 0) + r.pick(HOSTILE_STRINGS);
    case 9:
    case 10: {
      // Broken text inside otherwise fine words: a lone surrogate, half an emoji, a NUL.
      const words = String(valid({ ...s, type: "string" }, r, 0) || "测试");
      const at = r.int(0, words.length);
      return words.slice(0, at) + r.pick(["\ud800", "\udc00", "\ud83d", "\u0000"]) + words.slice(at);
    }
    default:
      return s.type === "string" ? r.int(-5, 5) : String(valid(s, r, 3));
  }
}

/** A value the schema would likely accept (patterns are met where the description gives an example). */
function valid(s: Schema, r: Rng, depth: number, hint?: unknown): unknown {
  if (hint !== undefined && r.chance(0.7)) return hint;
  if (s.const !== undefined) return s.const;
  if (s.enum) return r.pick(s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return valid(r.pick(branches), r, depth);
  if (s.default !== undefined && r.chance(0.2)) return s.default;
  const type = Array.isArray(s.type) ? r.pick(s.type) : s.type;
  switch (type) {
    case "string": {
      if (s.format === "date-time") return new Date(Date.UTC(2026, r.int(0, 11), r.int(1, 28), r.int(0, 23))).toISOString();
      if (s.pattern === "^\\d{4}-\\d{6}$") return `2026-${String(r.int(1, 6)).padStart(6, "0")}`;
      if (s.pattern === "^[a-z_]+$") return r.pick(["help", "appeal_accepted", "progress_resolved", "no_such_key"]);
      if (s.contentEncoding === "base64" || s.format === "base64") return Buffer.from(`编码,事项名称\nFZ01,${r.pick(WORDS)}\n`).toString("base64");
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? min + 24, min + 24);
      let out = "";
      while (out.length < min || (out.length < max && r.chance(0.6))) out += r.pick(WORDS);
      return out.slice(0, Math.max(max, min));
    }
    case "integer": {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
      const max = s.maximum ?? min + 8;
      return r.int(min, Math.min(max, min + 8));
    }
    case "number":
      return (s.minimum ?? 0) + r.next() * Math.min((s.maximum ?? 1) - (s.minimum ?? 0), 10);
    case "boolean":
      return r.chance(0.5);
    case "null":
      return null;
    case "array": {
      const n = r.int(s.minItems ?? 0, Math.min(s.maxItems ?? 3, (s.minItems ?? 0) + 3));
      return Array.from({ length: n }, () => (depth > 6 ? null : valid(s.items ?? {}, r, depth + 1)));
    }
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(s.required ?? []);
      for (const [k, p] of Object.entries<Schema>(s.properties ?? {})) {
        if (required.has(k) || r.chance(0.5)) out[k] = depth > 6 ? null : value(p, r, depth + 1);
      }
      // A key no schema names, some of them the names of Object.prototype's own properties.
      if (r.chance(0.15)) out[r.pick(BAD_KEYS)] = r.pick([1, "x", {}, null, [1]]);
      return out;
    }
    default:
      return r.pick([1, "测试", true, null, { a: 1 }]);
  }
}

/** Mostly valid, sometimes hostile: a request that is wrong in one place exercises the code behind the others. */
function value(s: Schema, r: Rng, depth: number): unknown {
  return r.chance(0.8) ? valid(s, r, depth) : hostile(s, r);
}

/** The body: JSON from the schema most of the time, else bytes no JSON parser would like. */
function bodyFor(op: Operation, r: Rng): { body?: string | Buffer; type?: string; shown: string } {
  const roll = r.next();
  if (op.body && roll < 0.65) {
    const v = r.chance(0.85) ? valid(op.body, r, 0) : hostile(op.body, r);
    let text = JSON.stringify(v) ?? "null";
    // A body the schema accepts, with an unknown field nested deeper than recursive code can follow.
    if (r.chance(0.1) && text.endsWith("}")) {
      const d = r.int(3_000, 20_000);
      text = `${text.slice(0, -1)}${text === "{}" ? "" : ","}"extra":${"[".repeat(d)}${"]".repeat(d)}}`;
    }
    return { body: text, type: "application/json", shown: text };
  }
  const raw: [string | Buffer, string][] = [
    ["", "application/json"],
    ['{"a":', "application/json"],
    ["{'a': 1}", "application/json"],
    ['{"a":1}}', "application/json"],
    ["nul", "application/json"],
    ["[".repeat(r.int(1_000, 100_000)), "application/json"],
    [`${"[".repeat(50_000)}${"]".repeat(50_000)}`, "application/json"],
    [`{"text": 1e999, "id": -0, "page": 1e400}`, "application/json"],
    ['{"a":1,"a":{"__proto__":{"polluted":1}}}', "application/json"],
    [Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0xff, 0x22, 0x7d]), "application/json"],
    ['"just a string"', "application/json"],
    ["<xml><Content><![CDATA[x]]></Content></xml>", "text/xml"],
    ['<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml>&b;</xml>', "text/xml"],
    ["rating=satisfied&reason=%ED%A0%80&rating=dissatisfied", "application/x-www-form-urlencoded"],
    [JSON.stringify(op.body ? valid(op.body, r, 0) : {}), "text/plain"],
  ];
  if (op.method === "GET" || op.method === "DELETE") return r.chance(0.8) ? { shown: "(no body)" } : { body: "{", type: "application/json", shown: "{" };
  const [body, type] = r.pick(raw);
  return { body, type, shown: typeof body === "string" ? body : `bytes ${body.toString("hex")}` };
}

/** encodeURIComponent, except that a lone surrogate goes out as the bytes it would be in WTF-8 (invalid UTF-8). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((c) => {
      const u = c.charCodeAt(0);
      if (c.length === 1 && u >= 0xd800 && u <= 0xdfff) return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
      return encodeURIComponent(c);
    }).join("");
  }
}

const HOSTILE_SEGMENTS = ["%00", "..%2F..%2Fetc%2Fpasswd", "%ED%A0%80", "%", "%E4%B8", "-1", "0", "1e999", "99999999999999999999", "2147483648", "9007199254740991", "__proto__", "constructor", "x".repeat(4_000), "%F0%9F%98%80", "%20", "1.5", "0x10"];

/** Path and query: valid-looking (existing ids and case numbers are small) or hostile, one parameter at a time. */
function urlFor(op: Operation, r: Rng): string {
  let path = op.path;
  for (const p of op.parameters.filter((x) => x.in === "path")) {
    const v = r.chance(0.75) ? String(valid(p.schema ?? { type: "string" }, r, 0, p.example)) : r.pick(HOSTILE_SEGMENTS);
    path = path.replace(`{${p.name}}`, /%/.test(v) ? v : enc(v));
  }
  const query: string[] = [];
  for (const p of op.parameters.filter((x) => x.in === "query")) {
    if (!p.required && r.chance(0.5)) continue;
    const s = p.schema ?? { type: "string" };
    const v = r.chance(0.75) ? valid(s, r, 0, p.example) : hostile(s, r);
    const text = typeof v === "string" ? v : JSON.stringify(v) ?? "";
    query.push(`${enc(p.name)}=${r.chance(0.1) ? r.pick(["%", "%ED%A0%80", "%00"]) : enc(text.slice(0, 20_000))}`);
    if (r.chance(0.1)) query.push(`${enc(p.name)}=${enc(text.slice(0, 100))}`); // the same key twice: an array
  }
  if (r.chance(0.1)) query.push(r.pick(["__proto__[x]=1", "constructor=1", "%=1", "a[b][c][d]=1", "page=%ED%A0%80"]));
  return query.length ? `${path}?${query.join("&")}` : path;
}

function operations(doc: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, o]) => ({ method: method.toUpperCase(), path, parameters: o.parameters ?? [], body: o.requestBody?.content?.["application/json"]?.schema })),
  );
}

let svc: TestService;
let admin: Session;
let ops: Operation[];
/** What the service logged as errors while a request ran: the stack to reproduce a 5xx with. */
const logged: string[] = [];

beforeAll(async () => {
  // eslint-disable-next-line no-console
  console.log(`fuzz seed ${SEED}, ${RUNS} requests per caller and operation (FUZZ_SEED and FUZZ_RUNS to change)`);
  svc = await startService({}, {}, { settings: EACH_APPEAL_ITS_OWN_CASE });
  const log = svc.services.log as unknown as Record<string, (...a: unknown[]) => void>;
  const original = log.error.bind(log);
  log.error = (...args: unknown[]) => {
    const fields = args[0] as { err?: Error; path?: string; method?: string } | undefined;
    logged.push(`${fields?.method ?? ""} ${fields?.path ?? ""}: ${fields?.err?.stack ?? String(args.at(-1))}`);
    original(...args);
  };
  await createUser(svc.services.db, { username: "fuzz-admin", displayName: "模糊测试管理员", role: "admin", password: "fuzz-admin-password" });
  // Someone to sign out: the administrator's own session must last the run.
  await createUser(svc.services.db, { username: "fuzz-leaver", displayName: "退出用", role: "worker", password: "fuzz-leaver-password" });
  admin = await signIn(svc, "fuzz-admin", "fuzz-admin-password");
  await signIn(svc, "fuzz-leaver", "fuzz-leaver-password");
  // A few cases for the case routes to find (numbers 2026-000001 …).
  for (const text of ["3号楼电梯坏了两天了", "北门路灯不亮了", "8号楼门口的垃圾桶满了好几天没人清运"]) await residentSays(text);
  const res = await rawRequest(svc.url, "GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  ops = operations(res.json);
});
afterAll(async () => {
  await svc?.close();
});

async function residentSays(text: string) {
  const chat = `fuzz-resident-${randomUUID()}`;
  const body = JSON.stringify({ messageId: randomUUID(), chatId: chat, senderId: chat, text });
  return rawRequest(svc.url, "POST", "/api/channels/http/messages", { headers: { "content-type": "application/json" }, body });
}

async function as(who: "admin" | "anonymous", op: Operation): Promise<Record<string, string> | null> {
  if (who === "anonymous") return {};
  if (op.path !== "/api/auth/logout") return { cookie: admin.cookie, "x-csrf-token": admin.csrf };
  // Signing out ends the session it is sent with: another account's, made for it (null if fuzzing disabled it).
  const s = await signIn(svc, "fuzz-leaver", "fuzz-leaver-password").catch(() => null);
  return s && { cookie: s.cookie, "x-csrf-token": s.csrf };
}

const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 300)}…(${s.length} characters)…${s.slice(-100)}` : s);

describe("5xx the fuzz found, pinned", () => {
  const adminHeaders = () => ({ "content-type": "application/json", cookie: admin.cookie, "x-csrf-token": admin.csrf });
  const nested = (d: number) => `${"[".repeat(d)}${"]".repeat(d)}`;

  it("a JSON body nested 5,000 deep is refused, not a 500 (anonymous, before any route)", async () => {
    for (const path of ["/api/auth/login", "/api/channels/http/messages", "/api/admin/units"]) {
      const res = await rawRequest(svc.url, "POST", path, { headers: { "content-type": "application/json" }, body: nested(5_000) });
      expect(res.status, `${path}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path}: ${res.text}`).toBeLessThan(500);
    }
  });

  it("a unit in an area that does not exist is a 400", async () => {
    const res = await rawRequest(svc.url, "POST", "/api/admin/units", { headers: adminHeaders(), body: JSON.stringify({ name: "不存在区域的单位", areaId: 999_999 }) });
    expect(res.status, res.text).toBe(400);
    const unit = await svc.services.db.unit.findFirstOrThrow();
    const patched = await rawRequest(svc.url, "PATCH", `/api/admin/units/${unit.id}`, { headers: adminHeaders(), body: JSON.stringify({ areaId: 999_999 }) });
    expect(patched.status, patched.text).toBe(400);
  });

  it("an id too large for the database is not found, not a 500", async () => {
    const huge = "99999999999999999999";
    const calls: [string, string, unknown][] = [
      ["PATCH", `/api/users/${huge}`, { disabled: false }],
      ["GET", `/api/admin/list/versions/${huge}`, undefined],
      ["POST", `/api/admin/list/versions/${huge}/restore`, { reason: "恢复测试" }],
    ];
    for (const [method, path, body] of calls) {
      const res = await rawRequest(svc.url, method, path, { headers: adminHeaders(), body: body === undefined ? undefined : JSON.stringify(body) });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
    }
  });
});

// Every operation the description lists (read from the same object GET /api/openapi.json serves, so the tests can
// be named before the service starts; the first test checks the two are the same).
const listed = operations(openApiDocument as never);

describe("fuzzing the API described by /api/openapi.json", () => {
  it("fuzzes exactly the operations the running service describes", () => {
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(listed.map((o) => `${o.method} ${o.path}`));
    expect(ops.length).toBeGreaterThan(50);
  });

  for (const { method, path } of listed) {
    it(`${method} ${path}: no 5xx, and the service is healthy afterwards`, async () => {
      const op = ops.find((o) => o.method === method && o.path === path)!;
      const r = new Rng((SEED ^ hash(`${method} ${path}`)) >>> 0);
      const failures: string[] = [];
      let sent = 0;
      for (let i = 0; i < RUNS; i++) {
        for (const who of ["admin", "anonymous"] as const) {
          const url = urlFor(op, r);
          const { body, type, shown } = bodyFor(op, r);
          const headers = await as(who, op);
          if (!headers) continue;
          const before = logged.length;
          let res: RawResponse;
          try {
            res = await rawRequest(svc.url, method, url, { headers: { ...(type ? { "content-type": type } : {}), ...headers }, body });
          } catch (err) {
            // The request could not be sent as it is (e.g. a path the HTTP client refuses): nothing the service saw.
            if ((err as NodeJS.ErrnoException).code === "ERR_UNESCAPED_CHARACTERS") continue;
            throw err;
          }
          sent++;
          if (res.status >= 500) {
            failures.push(`#${i} as ${who}: ${method} ${clip(url)} body ${clip(shown)} → ${res.status} ${clip(res.text)}\n${logged.slice(before).map(clip).join("\n")}`);
          }
        }
      }
      expect(sent).toBeGreaterThan(0);
      expect(failures, `seed ${SEED}: ${failures.length} answers were 5xx\n${failures.join("\n\n")}`).toEqual([]);

      const health = await rawRequest(svc.url, "GET", "/health");
      expect(health.status, health.text).toBe(200);
      expect(health.json.status).toBe("ok");
      const appeal = await residentSays("3号楼电梯坏了两天了");
      expect(appeal.status, appeal.text).toBe(200);
      expect(appeal.json.case?.number, appeal.text).toMatch(/^\d{4}-\d{6}$/);
    });
  }
});
