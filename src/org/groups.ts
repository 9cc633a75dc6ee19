// The chat groups the bot serves, each in its grid, as administrators keep them (the intake finds a message's group
// with findGroup in areas.ts); and the groups the running bot is in, to choose from.
import { refuseDuplicate, type Db } from "../db.ts";
import type { Channel } from "../channels/types.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { groupsIn, type Scope } from "./scope.ts";

export interface GroupInput {
  channel: string;
  chatId: string;
  name: string;
  gridId: number | null;
  enabled: boolean;
  /** false: every message in the group is for the bot, without an @mention or a prefix. */
  mentionRequired: boolean;
}

/**
 * A group's grid, when it has one, must be a grid; a district's or a street's administrator names one of theirs
 * (one elsewhere reads as no grid), and no grid is not theirs to give.
 */
async function checkGrid(db: Db, gridId: number | null | undefined, scope: Scope | null): Promise<void> {
  if (gridId === undefined || (gridId === null && !scope?.area)) return;
  const grid = gridId ? await db.area.findUnique({ where: { id: gridId } }) : null;
  if (grid?.level !== "grid" || (scope?.area && !scope.gridIds.includes(grid.id))) throw ValidationError("请选择一个网格", { field: "gridId" });
}

/** Starts serving a group; one already served is a conflict. */
export async function serveGroup(db: Db, group: GroupInput, scope: Scope | null = null) {
  await checkGrid(db, group.gridId, scope);
  return refuseDuplicate(() => db.chatGroup.create({ data: group }), "这个群已在服务名单中");
}

/** Renames a group, moves it to another grid, stops or resumes serving it, or changes whether it needs an @mention. */
export async function changeGroup(db: Db, id: number, changes: Partial<Omit<GroupInput, "channel" | "chatId">>, scope: Scope | null = null): Promise<void> {
  if (!(await db.chatGroup.findFirst({ where: { id, ...groupsIn(scope) } }))) throw NotFoundError("群不存在");
  await checkGrid(db, changes.gridId, scope);
  await db.chatGroup.update({ where: { id }, data: changes });
}

/** Stops serving a group: its messages are ignored from the next one. */
export async function stopServingGroup(db: Db, id: number, scope: Scope | null = null): Promise<void> {
  const { count } = await db.chatGroup.deleteMany({ where: { id, ...groupsIn(scope) } });
  if (!count) throw NotFoundError("群不存在");
}

/** Group chats the running bot is in (on the channels that can tell), marked when already served; those served
 * elsewhere than the scope are left out. A channel that cannot list them now is logged and left out. */
export async function joinedGroups(deps: { db: Db; log: Logger }, channels: Iterable<Pick<Channel, "name" | "groups">>, scope: Scope | null = null) {
  const rows = await deps.db.chatGroup.findMany({ select: { channel: true, chatId: true, gridId: true } });
  const key = (g: { chatId: string }, channel: string) => `${channel}:${g.chatId}`;
  const served = new Set(rows.map((g) => key(g, g.channel)));
  const ours = new Set(rows.filter((g) => !scope?.area || (g.gridId !== null && scope.gridIds.includes(g.gridId))).map((g) => key(g, g.channel)));
  const joined: { channel: string; chatId: string; name: string; served: boolean }[] = [];
  for (const channel of channels) {
    if (!channel.groups) continue;
    for (const g of await channel.groups().catch((err) => (deps.log.warn({ err: (err as Error).message, channel: channel.name }, "could not list groups"), []))) {
      const k = key(g, channel.name);
      if (served.has(k) && !ours.has(k)) continue;
      joined.push({ channel: channel.name, ...g, served: served.has(k) });
    }
  }
  return joined;
}
