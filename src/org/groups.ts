// The chat groups the bot serves, each in its grid, as administrators keep them (the intake finds a message's group
// with findGroup in areas.ts); and the groups the running bot is in, to choose from.
import { refuseDuplicate, type Db } from "../db.ts";
import type { Channel } from "../channels/types.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface GroupInput {
  channel: string;
  chatId: string;
  name: string;
  gridId: number | null;
  enabled: boolean;
  /** false: every message in the group is for the bot, without an @mention or a prefix. */
  mentionRequired: boolean;
}

/** A group's grid, when it has one, must be a grid. */
async function checkGrid(db: Db, gridId: number | null | undefined): Promise<void> {
  if (!gridId) return;
  const grid = await db.area.findUnique({ where: { id: gridId } });
  if (grid?.level !== "grid") throw ValidationError("请选择一个网格", { field: "gridId" });
}

/** Starts serving a group; one already served is a conflict. */
export async function serveGroup(db: Db, group: GroupInput) {
  await checkGrid(db, group.gridId);
  return refuseDuplicate(() => db.chatGroup.create({ data: group }), "这个群已在服务名单中");
}

/** Renames a group, moves it to another grid, stops or resumes serving it, or changes whether it needs an @mention. */
export async function changeGroup(db: Db, id: number, changes: Partial<Omit<GroupInput, "channel" | "chatId">>): Promise<void> {
  await checkGrid(db, changes.gridId);
  if (!(await db.chatGroup.findUnique({ where: { id } }))) throw NotFoundError("群不存在");
  await db.chatGroup.update({ where: { id }, data: changes });
}

/** Stops serving a group: its messages are ignored from the next one. */
export async function stopServingGroup(db: Db, id: number): Promise<void> {
  const { count } = await db.chatGroup.deleteMany({ where: { id } });
  if (!count) throw NotFoundError("群不存在");
}

/** Group chats the running bot is in (on the channels that can tell), marked when already served. A channel that
 * cannot list them now is logged and left out. */
export async function joinedGroups(deps: { db: Db; log: Logger }, channels: Iterable<Pick<Channel, "name" | "groups">>) {
  const served = new Set((await deps.db.chatGroup.findMany({ select: { channel: true, chatId: true } })).map((g) => `${g.channel}:${g.chatId}`));
  const joined: { channel: string; chatId: string; name: string; served: boolean }[] = [];
  for (const channel of channels) {
    if (!channel.groups) continue;
    for (const g of await channel.groups().catch((err) => (deps.log.warn({ err: (err as Error).message, channel: channel.name }, "could not list groups"), []))) {
      joined.push({ channel: channel.name, ...g, served: served.has(`${channel.name}:${g.chatId}`) });
    }
  }
  return joined;
}
