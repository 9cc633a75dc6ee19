// The first administrator's password never goes into a log: on a terminal it is shown once; otherwise (a service
// manager, docker, a pipe — where stdout is kept in a journal) it is written to a file only the service's user may
// read, in the service's data folder (beside the SQLite file by default), and the start-up lines give the file's path instead. The file is removed when that
// password is changed.
import { closeSync, existsSync, fchmodSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

export const FIRST_ADMIN_FILE = "first-admin-password.txt";

/** first-admin-password.txt in the service's data folder (config.dataDir). */
export function firstAdminPasswordFile(dataDir: string): string {
  return path.resolve(dataDir, FIRST_ADMIN_FILE);
}

/** The start-up lines about the first administrator: the password itself on a terminal, else the file's path. */
export function announceFirstAdmin(first: { username: string; password: string }, o: { tty: boolean; dataDir: string }): string[] {
  if (o.tty) return [`首次启动已创建管理员 ${first.username}，初始密码（只显示这一次，登录后须改为自己的密码）：${first.password}`];
  const file = firstAdminPasswordFile(o.dataDir);
  // Created 0600 and set so again before anything is written (a file left from an earlier start may be wider).
  const fd = openSync(file, "w", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, [`民呼我应 首次启动创建的管理员`, `用户名：${first.username}`, `初始密码：${first.password}`, `登录后须改为自己的密码；改后本文件自动删除。`, ""].join("\n"));
  } finally {
    closeSync(fd);
  }
  return [`首次启动已创建管理员 ${first.username}，初始密码写在 ${file}（只有本服务的用户可读）`];
}

/** After `username` changed their password: the file with the first password goes, if it was theirs. */
export function removeFirstAdminPasswordFile(dataDir: string, username: string): boolean {
  const file = firstAdminPasswordFile(dataDir);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, "utf8");
  if (!text.includes(`\n用户名：${username}\n`)) return false;
  rmSync(file, { force: true });
  return true;
}
