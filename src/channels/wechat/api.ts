// Calling the WeChat (服务号) and WeCom APIs: one access token per app, kept in the database so every instance
// shares it, refreshed before it expires and at once when the API says it is invalid or expired (the failed call is
// retried once with the new token). Errors come back as WeChat's errcode and errmsg.
import { z } from "zod";
import type { Db } from "../../db.ts";

export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
  ) {
    super(`${api} answered errcode ${errcode}: ${errmsg.slice(0, 200)}`);
  }
}

/** Refresh this long before the token expires, so no call goes out with one about to lapse. */
const MARGIN_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

/** An app's access token, shared through the AccessToken table. */
export class AccessTokens {
  private cached: { token: string; expiresAt: Date } | null = null;
  private refreshing: Promise<string> | null = null;
  /** Whether the last attempt to get a token worked (null: not tried yet), for the health page. */
  ok: boolean | null = null;

  constructor(
    private readonly db: Db,
    readonly app: string,
    /** Asks the API for a token; `force` when the one it gave is refused although it has not expired. */
    private readonly fetchToken: (force: boolean) => Promise<FetchedToken>,
  ) {}

  async get(now: Date): Promise<string> {
    if (this.cached && this.cached.expiresAt.getTime() - MARGIN_MS > now.getTime()) return this.cached.token;
    const row = await this.db.accessToken.findUnique({ where: { app: this.app } });
    if (row && row.expiresAt.getTime() - MARGIN_MS > now.getTime()) {
      this.cached = { token: row.token, expiresAt: row.expiresAt };
      return row.token;
    }
    return this.renew(now, null);
  }

  /** The API refused `stale`: take another instance's newer token, or fetch one. */
  async invalidate(now: Date, stale: string): Promise<string> {
    this.cached = null;
    const row = await this.db.accessToken.findUnique({ where: { app: this.app } });
    if (row && row.token !== stale && row.expiresAt.getTime() - MARGIN_MS > now.getTime()) {
      this.cached = { token: row.token, expiresAt: row.expiresAt };
      return row.token;
    }
    return this.renew(now, stale);
  }

  private renew(now: Date, stale: string | null): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        let fetched = await this.fetchToken(false);
        // stable_token hands back the same token until it expires; a refused one must be replaced by force.
        if (stale && fetched.token === stale) fetched = await this.fetchToken(true);
        const expiresAt = new Date(now.getTime() + fetched.expiresInSeconds * 1000);
        await this.db.accessToken.upsert({
          where: { app: this.app },
          create: { app: this.app, token: fetched.token, expiresAt, updatedAt: now },
          update: { token: fetched.token, expiresAt, updatedAt: now },
        });
        this.cached = { token: fetched.token, expiresAt };
        this.ok = true;
        return fetched.token;
      } catch (err) {
        this.ok = false;
        throw err;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

type Query = Record<string, string | number>;

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() });

/** A token endpoint's answer (token, stable_token, gettoken): the token and how long it lives. */
export async function readToken(res: Response, api: string): Promise<FetchedToken> {
  const body = tokenAnswer.parse(await readJson(res, api));
  return { token: body.access_token, expiresInSeconds: body.expires_in };
}

/** A JSON answer with errcode 0 (or none), or a WechatApiError. */
export async function readJson(res: Response, api: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${api} answered HTTP ${res.status} with something that is not JSON`);
  }
  const errcode = typeof body.errcode === "number" ? body.errcode : 0;
  if (errcode !== 0) throw new WechatApiError(errcode, String(body.errmsg ?? ""), api);
  if (!res.ok) throw new Error(`${api} answered HTTP ${res.status}`);
  return body;
}

/**
 * The calls an app makes with its access token. `tokenErrors` are the errcodes that mean "this token is no good"
 * (WeChat: 40001, 40014, 42001; WeCom: 40014, 42001).
 */
export class TokenClient {
  constructor(
    readonly base: string,
    readonly tokens: AccessTokens,
    private readonly tokenErrors: Set<number>,
  ) {}

  /** POSTs JSON (or GETs without a body) with the token, retrying once with a fresh token if it was refused. */
  async json(api: string, now: Date, body?: unknown, query: Query = {}): Promise<Record<string, unknown>> {
    return this.withToken(now, async (token) => {
      const res = await fetch(this.url(api, { ...query, access_token: token }), {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return readJson(res, api);
    });
  }

  /** Downloads a file (media/get): the bytes, or the JSON error WeChat answers instead. */
  async download(api: string, now: Date, query: Query, maxBytes: number): Promise<{ bytes: Buffer; contentType?: string }> {
    return this.withToken(now, async (token) => {
      const res = await fetch(this.url(api, { ...query, access_token: token }), { signal: AbortSignal.timeout(3 * TIMEOUT_MS) });
      const type = res.headers.get("content-type") ?? "";
      if (type.includes("json") || type.startsWith("text/plain")) {
        await readJson(res, api);
        throw new Error(`${api} answered JSON without a file`);
      }
      if (!res.ok) throw new Error(`${api} answered HTTP ${res.status}`);
      const declared = Number(res.headers.get("content-length") ?? 0);
      if (declared > maxBytes) throw new Error(`${api}: the file is larger than ${maxBytes} bytes`);
      const bytes = Buffer.from(await res.arrayBuffer());
      if (bytes.length > maxBytes) throw new Error(`${api}: the file is larger than ${maxBytes} bytes`);
      return { bytes, contentType: type || undefined };
    });
  }

  /** POSTs a file as multipart form data (media/upload), with the token. */
  async upload(api: string, now: Date, query: Query, file: { bytes: Buffer; fileName: string; mime: string }): Promise<Record<string, unknown>> {
    return this.withToken(now, async (token) => {
      const form = new FormData();
      form.append("media", new Blob([new Uint8Array(file.bytes)], { type: file.mime }), file.fileName);
      const res = await fetch(this.url(api, { ...query, access_token: token }), { method: "POST", body: form, signal: AbortSignal.timeout(3 * TIMEOUT_MS) });
      return readJson(res, api);
    });
  }

  url(api: string, query: Query = {}): string {
    const u = new URL(api, this.base + "/");
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async withToken<T>(now: Date, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.get(now);
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || !this.tokenErrors.has(err.errcode)) throw err;
      return call(await this.tokens.invalidate(now, token));
    }
  }
}
