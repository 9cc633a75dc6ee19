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
