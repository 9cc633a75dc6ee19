// Creating accounts (console and command line): a generated password, shown once.
import type { Db } from "../db.ts";
import { isUniqueViolation } from "../db.ts";
import { AppError } from "../errors.ts";
import { generatePassword, hashPassword } from "./passwords.ts";

export async function createUser(
  db: Db,
  u: { username: string; displayName: string; role: "worker" | "admin"; gridIds?: number[]; unitIds?: number[]; password?: string },
) {
  const password = u.password ?? generatePassword();
  try {
    const user = await db.user.create({
      data: { username: u.username, displayName: u.displayName, role: u.role, gridIds: u.gridIds ?? [], unitIds: u.unitIds ?? [], passwordHash: await hashPassword(password) },
    });
    return { user, password };
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", 409, `用户名 ${u.username} 已被使用`);
    throw err;
  }
}

/**
 * On the very first start there is no one to sign in as: create an administrator "admin" and return its password,
 * to be shown once. Returns null when any account exists.
 */
export async function ensureFirstAdmin(db: Db): Promise<{ username: string; password: string } | null> {
  if (await db.user.count()) return null;
  const { user, password } = await createUser(db, { username: "admin", displayName: "管理员", role: "admin" });
  return { username: user.username, password };
}
