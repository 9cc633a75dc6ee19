// Accounts (console and command line): creating one with a generated password shown once, changing and resetting
// passwords. A generated password must be replaced by the person's own before they do anything else.
import { refuseDuplicate, type Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { generatePassword, hashPassword } from "./passwords.ts";
import { forgetName } from "./throttle.ts";

export async function createUser(
  db: Db,
  u: { username: string; displayName: string; role: "worker" | "admin"; gridIds?: number[]; unitIds?: number[]; areaId?: number | null; password?: string },
) {
  const password = u.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const user = await refuseDuplicate(
    () =>
      db.user.create({
        data: {
          username: u.username,
          displayName: u.displayName,
          role: u.role,
          gridIds: u.gridIds ?? [],
          unitIds: u.unitIds ?? [],
          areaId: u.areaId ?? null,
          passwordHash,
          mustChangePassword: u.password === undefined,
        },
      }),
    `用户名 ${u.username} 已被使用`,
  );
  return { user, password };
}

/**
 * On the very first start there is no one to sign in as: create an administrator "admin" and return its password,
 * to be shown once (never logged: see firstAdmin.ts). Returns null when any account exists, also when another
 * instance starting at the same moment created it.
 */
export async function ensureFirstAdmin(db: Db): Promise<{ username: string; password: string } | null> {
  if (await db.user.count()) return null;
  try {
    const { user, password } = await createUser(db, { username: "admin", displayName: "管理员", role: "admin" });
    return { username: user.username, password };
  } catch (err) {
    if (err instanceof AppError && err.id === "conflict") return null;
    throw err;
  }
}

/**
 * Sets a password and ends the person's sessions (all, or all but `keepSessionId`, the one that changed it). Its
 * failed sign-ins are forgotten: whoever was locked out by them can sign in with the new one.
 */
export async function setPassword(db: Db, user: { id: number; username: string }, password: string, o: { mustChange: boolean; keepSessionId?: number; now: Date }) {
  await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password), mustChangePassword: o.mustChange, passwordChangedAt: o.now } });
  const ended = await db.session.deleteMany({ where: { userId: user.id, ...(o.keepSessionId ? { id: { not: o.keepSessionId } } : {}) } });
  await forgetName(db, user.username);
  return { sessionsEnded: ended.count };
}

/** A new generated password (an administrator's reset, or the command line), to be shown once and then replaced. */
export async function resetPassword(db: Db, user: { id: number; username: string }, now: Date) {
  const password = generatePassword();
  const { sessionsEnded } = await setPassword(db, user, password, { mustChange: true, now });
  return { password, sessionsEnded };
}
