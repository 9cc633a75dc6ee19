// The organisation as the follow-up and the intake walk it: the areas above a grid (网格 → 社区 → 街道), the served
// group a message came from, and the building and grid an appeal names.
import type { Db } from "../db.ts";
import { buildingMention, findLocation } from "../domain/location.ts";

/** Where an appeal is. */
export interface Place {
  location: string | null;
  buildingId: number | null;
  gridId: number | null;
}

/** The areas above a case's grid, nearest first (community, street); without a grid, the streets. */
export async function escalationChain(db: Db, gridId: number | null): Promise<number[]> {
  const chain: number[] = [];
  let area = gridId ? await db.area.findUnique({ where: { id: gridId } }) : null;
  while (area?.parentId) {
    area = await db.area.findUnique({ where: { id: area.parentId } });
    if (area) chain.push(area.id);
  }
  if (chain.length === 0) {
    const streets = await db.area.findMany({ where: { level: "street" }, orderBy: { id: "asc" }, take: 1 });
    chain.push(...streets.map((s) => s.id));
  }
  return chain;
}

/** The served group a message came from: by its chat id, or by its name (room ids change when WeChat logs in again). */
export async function findGroup(db: Db, row: { channel: string; chatId: string; chatName: string | null }) {
  const where = { channel: row.channel, enabled: true };
  return (
    (await db.chatGroup.findFirst({ where: { ...where, chatId: row.chatId } })) ??
    (row.chatName ? await db.chatGroup.findFirst({ where: { ...where, name: row.chatName } }) : null)
  );
}

/** Where an appeal is: the place words in the text, the building they name, and the grid (the group's, else the building's). */
export async function placeOf(db: Db, text: string, group: { gridId: number | null } | null): Promise<Place> {
  const location = findLocation(text);
  const said = buildingMention(text);
  let building: { id: number; parentId: number | null } | null = null;
  if (said) {
    const n = said.number;
    const names = [`${n}号楼`, `${n}栋`, `${n}幢`, `${n}座`];
    const candidates = await db.area.findMany({
      where: { level: "building", name: { in: names }, ...(group?.gridId ? { parentId: group.gridId } : {}) },
    });
    // "3号楼" is the 3号楼 rather than another compound's 3栋, when both exist.
    const exact = candidates.filter((c) => c.name === `${n}${said.word}`);
    const pick = exact.length === 1 ? exact : candidates;
    if (pick.length === 1) building = pick[0];
  }
  return { location, buildingId: building?.id ?? null, gridId: group?.gridId ?? building?.parentId ?? null };
}
