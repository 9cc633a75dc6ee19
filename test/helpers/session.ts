// Signing in to the console from a test, and calling the API as that person (session cookie + CSRF header).
import type { TestService } from "./service.ts";

export interface Session {
  cookie: string;
  csrf: string;
}

export async function signIn(svc: TestService, username: string, password: string): Promise<Session> {
  const res = await fetch(`${svc.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`sign-in as ${username} failed: ${res.status}`);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0], csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** A JSON call as `as` (or no one); the body is parsed JSON, or the bytes of a file download. */
export async function callAs(svc: TestService, as: Session | null, method: string, path: string, body?: unknown) {
  const res = await fetch(svc.url + path, {
    method,
    headers: { "content-type": "application/json", ...(as ? { cookie: as.cookie, "x-csrf-token": as.csrf } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get("content-type") ?? "";
  const bytes = Buffer.from(await res.arrayBuffer());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const parsed: any = type.includes("json") ? (bytes.length ? JSON.parse(bytes.toString("utf8")) : null) : bytes.length ? bytes : null;
  return { status: res.status, body: parsed };
}

/** An administrator and a worker (scoped to nothing), signed in: the two people most console tests need. */
export async function adminAndWorker(svc: TestService, prefix: string): Promise<{ admin: Session; worker: Session }> {
  const { createUser } = await import("../../src/auth/users.ts");
  await createUser(svc.services.db, { username: `${prefix}-admin`, displayName: `${prefix}管理员`, role: "admin", password: `${prefix}-admin-pass` });
  await createUser(svc.services.db, { username: `${prefix}-worker`, displayName: "网格员", role: "worker", password: `${prefix}-worker-pass` });
  return { admin: await signIn(svc, `${prefix}-admin`, `${prefix}-admin-pass`), worker: await signIn(svc, `${prefix}-worker`, `${prefix}-worker-pass`) };
}
