// The responsibility list's history: what an import or an edit would change (added, changed with the fields,
// removed), per-row problems, and applying a change in one transaction that writes a ListVersion with who, why,
// what changed and the whole list after it. Matters are never deleted (cases point at them): removed = inactive.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Db, Prisma } from "../db.ts";
import { MATTER_UNITS, matterInfo, type MatterInfo } from "../classify/catalogue.ts";
import { codeForName, DEFAULT_RESOLVE_DAYS, DEFAULT_RESPONSE_HOURS } from "./apply.ts";
import { batches, idsByName, knownNames, nameKind, type KnownNames } from "./names.ts";
import { ListImportError, type MatterRow, type MatterTable, type RowProblem } from "./parse.ts";

type Tx = Prisma.TransactionClient;

/**
 * A matter as the list holds it, units by name (what a spreadsheet has, and what a snapshot keeps): each name a
 * unit's or a role's (属地, names.ts), the two never alike.
 */
export type MatterState = Omit<MatterInfo, "id" | "leadUnit" | "leadRole" | "cooperatingUnits" | "cooperatingRoles"> & {
  leadUnit: string | null;
  cooperatingUnits: string[];
  /** 志愿者可认领: its appeals are offered to the grid's volunteers first. */
  volunteerClaimable: boolean;
  active: boolean;
};
export type SnapshotMatter = Omit<MatterState, "active">;

export const FIELDS = ["name", "category", "description", "keywords", "examples", "needsLocation", "leadUnit", "cooperatingUnits", "responseHours", "resolveDays", "volunteerClaimable", "active"] as const;
export type MatterField = (typeof FIELDS)[number];
export const FIELD_LABELS: Record<MatterField, string> = {
  name: "事项名称", category: "类别", description: "说明", keywords: "关键词", examples: "示例诉求", needsLocation: "需定位",
  leadUnit: "主责单位", cooperatingUnits: "配合单位", responseHours: "响应时限", resolveDays: "办结时限", volunteerClaimable: "志愿者可认领", active: "启用",
};

export interface ListChanges {
  added: string[];
  changed: { code: string; fields: MatterField[] }[];
  removed: string[];
}
export type ListSource = "seed" | "edit" | "import" | "restore";
export interface Author {
  id: number | null;
  name: string;
}

export type ImportMode = "replace" | "merge";
export interface ImportOptions {
  /** replace: the file is the whole list, active matters not in it are removed; merge: add and update only. */
  mode: ImportMode;
  /** Every row must name its lead unit and both time limits (the console); the command line fills in defaults. */
  complete: boolean;
  /** Units not in the database are problems instead of new units. */
  strictUnits: boolean;
}

export interface ListPlan {
  changes: ListChanges;
  problems: RowProblem[];
  /** Units the change would create. */
  newUnits: string[];
  /** The added and changed matters as they will be. */
  targets: MatterState[];
  unchanged: number;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The fields in which two versions of a matter differ. */
export function changedFields(before: MatterState, after: MatterState): MatterField[] {
  return FIELDS.filter((f) => {
    const a = before[f];
    const b = after[f];
    return Array.isArray(a) && Array.isArray(b) ? !sameList(a, b) : a !== b;
  });
}

const withUnits = MATTER_UNITS;
const stateOf = (m: Prisma.MatterGetPayload<{ include: typeof withUnits }>): [string, MatterState] => {
  const { id: _id, leadUnit, leadRole, cooperatingUnits, cooperatingRoles, ...info } = matterInfo(m);
  const cooperating = [...cooperatingUnits, ...cooperatingRoles].map((u) => u.name).sort();
  return [m.code, { ...info, leadUnit: leadUnit?.name ?? leadRole?.name ?? null, cooperatingUnits: cooperating, volunteerClaimable: m.volunteerClaimable, active: m.active }];
};

/** Every matter (active or not) by code, with units by name. */
export async function loadList(db: Db | Tx): Promise<Map<string, MatterState>> {
  return new Map((await db.matter.findMany({ orderBy: { code: "asc" }, include: withUnits })).map(stateOf));
}

/** Matters read (and rows planned) between two turns of the event loop, in the preview. */
const SLICE = 500;

/**
 * loadList in pages, the event loop served between them. The SQLite driver answers synchronously, so one read
 * of 5,000 matters holds the event loop for about half a second; a page of 500 for some 50 ms. Outside a
 * transaction only: a query from another request that ran between two pages of a transaction would run inside
 * it (one connection).
 */
async function loadListInSlices(db: Db): Promise<Map<string, MatterState>> {
  const list = new Map<string, MatterState>();
  let after: string | undefined;
  for (;;) {
    const page = await db.matter.findMany({ orderBy: { code: "asc" }, include: withUnits, take: SLICE, ...(after ? { cursor: { code: after }, skip: 1 } : {}) });
    for (const m of page) list.set(...stateOf(m));
    if (page.length < SLICE) return list;
    after = page.at(-1)!.code;
    await nextTurn();
  }
}

export const snapshotOf = (list: Map<string, MatterState>): SnapshotMatter[] =>
  [...list.values()].filter((m) => m.active).map(({ active: _active, ...m }) => m);

/**
 * What importing `table` into `current` would do. Pure: the preview and the apply (which plans again inside its
 * transaction) share it, so what was previewed is what is written — or refused, if the list moved meanwhile.
 */
export function planImport(current: Map<string, MatterState>, units: Set<string>, table: MatterTable, options: ImportOptions, roles: Set<string> = new Set()): ListPlan {
  const planner = importPlanner(current, { units, roles }, table, options);
  for (const row of table.rows) planner.row(row);
  return planner.finish();
}

/** planImport a slice of rows at a time, the event loop served between slices (the preview, outside a transaction). */
async function planImportInSlices(current: Map<string, MatterState>, names: KnownNames, table: MatterTable, options: ImportOptions): Promise<ListPlan> {
  const planner = importPlanner(current, names, table, options);
  for (let i = 0; i < table.rows.length; i++) {
    if (i && i % SLICE === 0) await nextTurn();
    planner.row(table.rows[i]);
  }
  return planner.finish();
}

/** The plan built row by row (planImport's body, so that the preview can pause between rows). */
function importPlanner(current: Map<string, MatterState>, names: KnownNames, table: MatterTable, options: ImportOptions) {
  const problems: RowProblem[] = [...table.problems];
  const newUnits = new Set<string>();
  const changes: ListChanges = { added: [], changed: [], removed: [] };
  const targets: MatterState[] = [];
  const seen = new Map<string, number>();
  let unchanged = 0;
  const has = (f: keyof MatterRow) => table.columns.has(f);
  const byName = new Map([...current.values()].map((m) => [`${m.category}/${m.name}`, m]));

  const row = (row: MatterRow) => {
    const before = row.code ? current.get(row.code) : byName.get(`${row.category}/${row.name}`);
    const code = row.code ?? before?.code ?? codeForName(row.name, row.category);
    const first = seen.get(code);
    if (first !== undefined) {
      // A repeated code is reported while reading; this is a row without a code naming a matter already read.
      if (!row.code) problems.push({ line: row.line, field: "事项名称", message: `与第 ${first} 行是同一事项（${code}）` });
      return;
    }
    seen.set(code, row.line);

    const rowProblems: RowProblem[] = [];
    if (row.responseHours !== undefined && !Number.isInteger(row.responseHours)) {
      rowProblems.push({ line: row.line, field: "响应时限", message: `响应时限“${row.responseHours}”须为整数小时` });
    }
    if (options.complete) {
      if (!row.leadUnit) rowProblems.push({ line: row.line, field: "主责单位", message: "缺少主责单位" });
      if (row.responseHours === undefined) rowProblems.push({ line: row.line, field: "响应时限", message: "缺少响应时限" });
      if (row.resolveDays === undefined) rowProblems.push({ line: row.line, field: "办结时限", message: "缺少办结时限" });
    }
    const cooperating = has("cooperatingUnits") ? [...new Set(row.cooperatingUnits.filter((u) => u !== row.leadUnit))].sort() : (before?.cooperatingUnits ?? []);
    for (const [field, name] of [...(row.leadUnit ? [["主责单位", row.leadUnit]] : []), ...(has("cooperatingUnits") ? cooperating.map((u) => ["配合单位", u]) : [])]) {
      const kind = nameKind(name, names, options.strictUnits);
      if (typeof kind === "object") rowProblems.push({ line: row.line, field, message: kind.problem });
      else if (kind === "new") newUnits.add(name);
    }
    problems.push(...rowProblems);
    if (rowProblems.length) return;

    // A column the file does not have keeps what the list has (or the default, for a new matter).
    const after: MatterState = {
      code,
      name: row.name,
      category: has("category") ? row.category : (before?.category ?? row.category),
      description: has("description") ? row.description : (before?.description ?? ""),
      keywords: has("keywords") ? row.keywords : (before?.keywords ?? []),
      examples: has("examples") ? row.examples : (before?.examples ?? []),
      needsLocation: row.needsLocation ?? before?.needsLocation ?? true,
      leadUnit: has("leadUnit") ? (row.leadUnit ?? null) : (before?.leadUnit ?? null),
      cooperatingUnits: cooperating,
      responseHours: row.responseHours ?? before?.responseHours ?? DEFAULT_RESPONSE_HOURS,
      resolveDays: row.resolveDays ?? before?.resolveDays ?? DEFAULT_RESOLVE_DAYS,
      // No column, or a blank cell (an older file, an older version's snapshot): the mark stays as it is.
      volunteerClaimable: row.volunteerClaimable ?? before?.volunteerClaimable ?? false,
      active: true,
    };
    if (!before) {
      changes.added.push(code);
      targets.push(after);
      return;
    }
    const fields = changedFields(before, after);
    if (fields.length) {
      changes.changed.push({ code, fields });
      targets.push(after);
    } else unchanged++;
  };

  const finish = (): ListPlan => {
    if (options.mode === "replace") {
      changes.removed = [...current.values()].filter((m) => m.active && !seen.has(m.code)).map((m) => m.code);
    }
    problems.sort((a, b) => a.line - b.line);
    return { changes, problems, newUnits: [...newUnits].sort(), targets, unchanged };
  };
  return { row, finish };
}

export interface CommitResult {
  versionId: number;
  changes: ListChanges;
}

/**
 * Writes matters (units by name, created when new) and deactivates removed ones; then the version row. In bulk:
 * the SQLite driver answers synchronously, so a statement per matter and link (some 20,000 for a new list of 5,000)
 * held every other request for half a minute; new matters and all links now go in batches, changed matters one
 * update each (a re-import changes few).
 */
async function commit(tx: Tx, targets: MatterState[], changes: ListChanges, meta: { author: Author; reason: string; source: ListSource; now?: Date }): Promise<CommitResult> {
  const names = [...new Set(targets.flatMap((m) => [...(m.leadUnit ? [m.leadUnit] : []), ...m.cooperatingUnits]))];
  const ids = await idsByName(tx, names);
  const fields = (m: MatterState) => ({
    name: m.name,
    category: m.category,
    description: m.description,
    keywords: m.keywords,
    examples: m.examples,
    needsLocation: m.needsLocation,
    leadUnitId: m.leadUnit ? (ids.units.get(m.leadUnit) ?? null) : null,
    leadRoleId: m.leadUnit ? (ids.roles.get(m.leadUnit) ?? null) : null,
    responseHours: m.responseHours,
    resolveDays: m.resolveDays,
    volunteerClaimable: m.volunteerClaimable,
    active: m.active,
  });
  const added = new Set(changes.added);
  for (const b of batches(targets.filter((m) => added.has(m.code)))) await tx.matter.createMany({ data: b.map((m) => ({ code: m.code, ...fields(m) })) });
  for (const m of targets) if (!added.has(m.code)) await tx.matter.update({ where: { code: m.code }, data: fields(m) });
  const matterIds = new Map<string, number>();
  for (const b of batches(targets.map((m) => m.code))) {
    for (const row of await tx.matter.findMany({ where: { code: { in: b } }, select: { id: true, code: true } })) matterIds.set(row.code, row.id);
  }
  for (const b of batches([...matterIds.values()])) {
    await tx.matterCooperatingUnit.deleteMany({ where: { matterId: { in: b } } });
    await tx.matterCooperatingRole.deleteMany({ where: { matterId: { in: b } } });
  }
  const cooperating = targets.flatMap((m) => [...new Set(m.cooperatingUnits)].map((name) => ({ matterId: matterIds.get(m.code)!, name })));
  const links = cooperating.filter((c) => !ids.roles.has(c.name)).map((c) => ({ matterId: c.matterId, unitId: ids.units.get(c.name)! }));
  const roleLinks = cooperating.filter((c) => ids.roles.has(c.name)).map((c) => ({ matterId: c.matterId, roleId: ids.roles.get(c.name)! }));
  for (const b of batches(links)) await tx.matterCooperatingUnit.createMany({ data: b });
  for (const b of batches(roleLinks)) await tx.matterCooperatingRole.createMany({ data: b });
  if (changes.removed.length) await tx.matter.updateMany({ where: { code: { in: changes.removed } }, data: { active: false } });
  const version = await tx.listVersion.create({
    data: {
      authorId: meta.author.id,
      authorName: meta.author.name,
      reason: meta.reason,
      source: meta.source,
      changes: changes as unknown as Prisma.InputJsonValue,
      snapshot: snapshotOf(await loadList(tx)) as unknown as Prisma.InputJsonValue,
      ...(meta.now ? { createdAt: meta.now } : {}),
    },
  });
  return { versionId: version.id, changes };
}

export const isEmpty = (c: ListChanges) => !c.added.length && !c.changed.length && !c.removed.length;

/**
 * What importing a file would change, without writing anything, and the list it was planned against. Read and
 * planned in slices, so that a list of thousands never holds up residents' messages for long. The version is read
 * first: a change committed while the pages are read makes the apply refuse this preview as out of date.
 */
export async function previewImport(db: Db, table: MatterTable, options: ImportOptions): Promise<ListPlan & { baseVersionId: number | null; current: Map<string, MatterState> }> {
  const latest = await latestVersionId(db);
  const names = await knownNames(db);
  const current = await loadListInSlices(db);
  return { ...(await planImportInSlices(current, names, table, options)), baseVersionId: latest, current };
}

const latestVersionId = async (db: Db | Tx) => (await db.listVersion.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? null;

/**
 * Imports a file in one transaction: plans again on the list as it is now, refuses the whole file when any row
 * has a problem (ListImportError), writes the matters and a version. Nothing to change writes no version.
 */
export async function applyImport(
  db: Db,
  table: MatterTable,
  options: ImportOptions & { author: Author; reason: string; source: ListSource; now?: Date; baseVersionId?: number | null },
): Promise<ListPlan & { versionId: number | null }> {
  return db.$transaction(
    async (tx) => {
      // The preview the administrator saw was of this version; a change since then means it is out of date.
      if (options.baseVersionId !== undefined && (await latestVersionId(tx)) !== options.baseVersionId) {
        throw new ListConflict("清单在预览之后已被修改，请重新预览后再导入");
      }
      const names = await knownNames(tx);
      const plan = planImport(await loadList(tx), names.units, table, options, names.roles);
      if (plan.problems.length) throw new ListImportError(plan.problems);
      if (isEmpty(plan.changes)) return { ...plan, versionId: null };
      const { versionId } = await commit(tx, plan.targets, plan.changes, options);
      return { ...plan, versionId };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/**
 * Puts the list back as it was after an earlier version (a mistake undone): its snapshot applied as a whole list,
 * so matters added since are deactivated and matters removed since come back. A new version records it.
 */
export async function restoreVersion(db: Db, versionId: number, meta: { author: Author; reason: string; now?: Date }) {
  const version = await db.listVersion.findUnique({ where: { id: versionId } });
  if (!version) return null;
  const snapshot = version.snapshot as unknown as SnapshotMatter[];
  const table: MatterTable = {
    rows: snapshot.map((m, i) => ({ ...m, line: i + 2, leadUnit: m.leadUnit ?? undefined })),
    problems: [],
    columns: new Set(["code", "name", "category", "description", "keywords", "leadUnit", "cooperatingUnits", "responseHours", "resolveDays", "examples", "needsLocation", "volunteerClaimable"]),
  };
  return applyImport(db, table, { mode: "replace", complete: false, strictUnits: false, source: "restore", ...meta });
}

/**
 * Adds a matter (`code` not in the list) or changes one; `patch` holds the fields to change. Returns the fields
 * that changed (none: no version is written).
 */
export async function saveMatter(
  db: Db,
  input: { code: string; create: boolean; patch: Partial<Omit<MatterState, "code">>; author: Author; reason: string; now?: Date },
): Promise<{ versionId: number | null; fields: MatterField[]; created: boolean }> {
  return db.$transaction(async (tx) => {
    const current = await loadList(tx);
    const before = current.get(input.code);
    if (input.create && before) throw new ListConflict(`编码 ${input.code} 已存在`);
    if (!input.create && !before) throw new ListConflict(`事项 ${input.code} 不存在`, "not_found");
    const base: MatterState = before ?? {
      code: input.code, name: "", category: "", description: "", keywords: [], examples: [], needsLocation: true, leadUnit: null,
      cooperatingUnits: [], responseHours: DEFAULT_RESPONSE_HOURS, resolveDays: DEFAULT_RESOLVE_DAYS, volunteerClaimable: false, active: true,
    };
    const after: MatterState = { ...base, ...input.patch, code: input.code };
    after.cooperatingUnits = [...new Set(after.cooperatingUnits.filter((u) => u !== after.leadUnit))].sort();
    const fields = before ? changedFields(before, after) : [];
    if (before && !fields.length) return { versionId: null, fields, created: false };
    const changes: ListChanges = before ? { added: [], changed: [{ code: input.code, fields }], removed: [] } : { added: [input.code], changed: [], removed: [] };
    const { versionId } = await commit(tx, [after], changes, { author: input.author, reason: input.reason, source: "edit", now: input.now });
    return { versionId, fields, created: !before };
  });
}

/** An edit that cannot be made as asked (the code is taken, or there is no such matter). */
export class ListConflict extends Error {
  constructor(message: string, readonly kind: "conflict" | "not_found" = "conflict") {
    super(message);
  }
}

/**
 * Adds and updates matters from rows (never removes), filling in default limits, and records a version. Every
 * field counts as given: a row without keywords clears them (readMatterFile + applyImport keep absent columns).
 */
export async function applyMatterRows(
  db: Db,
  rows: MatterRow[],
  meta: { author: Author; reason: string; source: ListSource } = { author: { id: null, name: "命令行" }, reason: "命令行导入", source: "import" },
): Promise<{ added: number; updated: number; versionId: number | null }> {
  const columns = new Set<keyof MatterRow>(["code", "name", "category", "description", "keywords", "examples", "leadUnit", "cooperatingUnits", "responseHours", "resolveDays", "needsLocation", "volunteerClaimable"]);
  const result = await applyImport(db, { rows, problems: [], columns }, { mode: "merge", complete: false, strictUnits: false, ...meta });
  return { added: result.changes.added.length, updated: result.changes.changed.length, versionId: result.versionId };
}

/** A database whose list predates versions gets one version of the list as it is, so every case can name one. */
export async function recordBaseline(db: Db, author: Author, reason: string): Promise<number | null> {
  if (await db.listVersion.count()) return null; // the usual case, without taking the write lock
  return db.$transaction(async (tx) => {
    if (await tx.listVersion.count()) return null;
    const list = await loadList(tx);
    if (!list.size) return null;
    const changes: ListChanges = { added: snapshotOf(list).map((m) => m.code), changed: [], removed: [] };
    return (await commit(tx, [], changes, { author, reason, source: "seed" })).versionId;
  });
}
