// Prisma's create and update of one row, for flat data (scalar columns only), as one raw statement that returns the
// row (db.ts sqlRows, both engines): for the writes every case makes, where Prisma's planner costs about a
// millisecond of CPU each. The columns' types come from the client's own datamodel. Data this cannot write as
// Prisma would — a relation, an atomic operation ({ increment: 1 }), Prisma's null types — goes to the fallback
// (Prisma's own call) unchanged.
import { dataModelOf } from "./dataModel.ts";
import { sqlRows, sqlRunLater, sqlTime, type Db, type Prisma } from "./db.ts";

type Tx = Prisma.TransactionClient | Db;

const scalarsByModel = new Map<string, Map<string, string>>();

/** The model's scalar columns and their types (Int, String, DateTime, Json …). */
function scalars(tx: Tx, model: string): Map<string, string> {
  let known = scalarsByModel.get(model);
  if (!known) {
    const { models } = dataModelOf(tx);
    known = new Map(models[model].fields.filter((f) => f.kind === "scalar").map((f) => [f.name, f.type]));
    scalarsByModel.set(model, known);
  }
  return known;
}

/**
 * The model's columns, named, as a statement's result list: what Prisma returns for a row. `*` would also return a
 * column a newer instance's migration added, and on PostgreSQL a prepared `*` fails once its table gains one.
 */
export function modelColumns(tx: Tx, model: string): string {
  let list = columnLists.get(model);
  if (list === undefined) columnLists.set(model, (list = [...scalars(tx, model).keys()].map((n) => `"${n}"`).join(", ")));
  return list;
}
const columnLists = new Map<string, string>();

/** The columns and values of flat data, with each value's placeholder; null when Prisma must write it. */
function columns(tx: Tx, model: string, data: Record<string, unknown>): { names: string[]; marks: string[]; values: unknown[] } | null {
  const types = scalars(tx, model);
  const names: string[] = [];
  const marks: string[] = [];
  const values: unknown[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const type = types.get(name);
    if (!type) return null; // a relation: Prisma's to write
    if (type === "Json") {
      if (value === null || (typeof value === "object" && value.constructor?.name?.endsWith("Null"))) return null; // Prisma.JsonNull / DbNull
      marks.push("?j");
      values.push(JSON.stringify(value));
    } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      return null; // { increment: 1 }, { set: … }
    } else if (type === "DateTime") {
      marks.push("?t");
      values.push(value === null ? null : sqlTime(value as Date));
    } else if (["Int", "String", "Boolean", "Float"].includes(type)) {
      marks.push("?");
      values.push(value);
    } else {
      return null; // BigInt, Decimal, Bytes: not in this schema's hot paths
    }
    names.push(`"${name}"`);
  }
  return { names, marks, values };
}

/** Inserts one row (updatedAt, and createdAt when not given, as Prisma fills them: now). */
export async function insertRow<T>(tx: Tx, model: string, data: Record<string, unknown>, fallback: () => Promise<T>): Promise<T> {
  const insert = insertStatement(tx, model, data);
  if (!insert) return fallback();
  const [row] = await sqlRows<T>(tx, `${insert.sql} RETURNING ${modelColumns(tx, model)}`, ...insert.values);
  return row;
}

/** The INSERT of one row as insertRow runs it, less its RETURNING (for a statement that does more): null when Prisma must write it. */
export function insertStatement(tx: Tx, model: string, data: Record<string, unknown>): { sql: string; values: unknown[] } | null {
  const c = insertColumns(tx, model, data);
  return c && { sql: `INSERT INTO "${model}" (${c.names.join(", ")}) VALUES (${c.marks.join(", ")})`, values: c.values };
}

/**
 * insertRow (insertRowIfAbsent, with `key`) for a row nobody reads back in the transaction: on PostgreSQL it goes
 * with the transaction's next statement (db.ts sqlRunLater).
 */
export async function insertRowLater(tx: Tx, model: string, data: Record<string, unknown>, fallback: () => Promise<unknown>, key?: string): Promise<void> {
  const c = insertColumns(tx, model, data);
  if (!c) {
    await fallback();
    return;
  }
  const conflict = key ? ` ON CONFLICT ("${key}") DO NOTHING` : "";
  await sqlRunLater(tx, `INSERT INTO "${model}" (${c.names.join(", ")}) VALUES (${c.marks.join(", ")})${conflict}`, ...c.values);
}

/**
 * Inserts one row unless one with the same value of the unique column `key` is there: the row inserted, or null.
 * One statement where a look and an insert would be two; a transaction goes on after it on either engine.
 */
export async function insertRowIfAbsent<T>(tx: Tx, model: string, key: string, data: Record<string, unknown>, fallback: () => Promise<T | null>): Promise<T | null> {
  const c = insertColumns(tx, model, data);
  if (!c) return fallback();
  const sql = `INSERT INTO "${model}" (${c.names.join(", ")}) VALUES (${c.marks.join(", ")}) ON CONFLICT ("${key}") DO NOTHING RETURNING ${modelColumns(tx, model)}`;
  const [row] = await sqlRows<T>(tx, sql, ...c.values);
  return row ?? null;
}

/**
 * Inserts many rows of the same columns in one statement: the rows inserted (in no particular order). With
 * `absentKeys` (a unique index), those whose keys are there already are left out. Null when Prisma would have to
 * write one of them, or when they do not all have the same columns (the caller writes them one by one).
 */
export async function insertRows<T>(tx: Tx, model: string, data: Record<string, unknown>[], absentKeys?: string[]): Promise<T[] | null> {
  const rows = data.map((d) => insertColumns(tx, model, d));
  const first = rows[0];
  if (!first || rows.some((r) => !r || r.names.join() !== first.names.join() || r.marks.join() !== first.marks.join())) return null;
  const values = rows.map(() => `(${first.marks.join(", ")})`).join(", ");
  const conflict = absentKeys ? ` ON CONFLICT (${absentKeys.map((k) => `"${k}"`).join(", ")}) DO NOTHING` : "";
  const sql = `INSERT INTO "${model}" (${first.names.join(", ")}) VALUES ${values}${conflict} RETURNING ${modelColumns(tx, model)}`;
  return sqlRows<T>(tx, sql, ...rows.flatMap((r) => r!.values));
}

function insertColumns(tx: Tx, model: string, data: Record<string, unknown>) {
  const types = scalars(tx, model);
  const now = new Date();
  return columns(tx, model, { ...(types.has("createdAt") ? { createdAt: now } : {}), ...data, ...(types.has("updatedAt") && data.updatedAt === undefined ? { updatedAt: now } : {}) });
}

/** Updates the row with this id (updatedAt as Prisma sets it: now); throws as Prisma's update does when none. */
export async function updateRow<T>(tx: Tx, model: string, id: number, data: Record<string, unknown>, fallback: () => Promise<T>): Promise<T> {
  const update = updateStatement(tx, model, id, data);
  if (!update) return fallback();
  const [row] = await sqlRows<T>(tx, `${update.sql} RETURNING ${modelColumns(tx, model)}`, ...update.values);
  if (!row) throw notFound(model, id);
  return row;
}

/** The UPDATE of the row with this id as updateRow runs it, less its RETURNING: null when Prisma must write it. */
export function updateStatement(tx: Tx, model: string, id: number, data: Record<string, unknown>): { sql: string; values: unknown[] } | null {
  const types = scalars(tx, model);
  const c = columns(tx, model, { ...data, ...(types.has("updatedAt") && data.updatedAt === undefined ? { updatedAt: new Date() } : {}) });
  if (!c || !c.names.length) return null;
  const sets = c.names.map((n, i) => `${n} = ${c.marks[i]}`).join(", ");
  return { sql: `UPDATE "${model}" SET ${sets} WHERE "id" = ?`, values: [...c.values, id] };
}

/** Prisma's error for an update of a row that is not there (P2025). */
export const notFound = (model: string, id: number) => Object.assign(new Error(`No ${model} found with id ${id}`), { code: "P2025" });
