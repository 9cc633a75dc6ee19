// Bulk writes for the follow-up benchmark, on the raw driver (a million cases through Prisma would take an hour):
// SQLite through better-sqlite3, one prepared INSERT per row in one transaction per batch; PostgreSQL through pg, one
// INSERT … SELECT FROM unnest(arrays) per table and batch. Values are written as Prisma writes them (SQLite: times as
// ISO text with "+00:00", booleans as 0/1, JSON as text; PostgreSQL: timestamp(3) in UTC, jsonb).
import Database from "better-sqlite3";
import pg from "pg";
import { sqlTime } from "../../db.ts";
import { COLUMNS, type Batch, type ColumnType, type Row, type Table } from "./plan.ts";

export interface BulkWriter {
  write(batch: Batch): Promise<void>;
  /** After the last batch: PostgreSQL's id sequences moved past the ids written, statistics gathered. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

const TABLES: Table[] = ["Resident", "Case", "CaseEvent", "Outbox", "Job"];

export function openBulkWriter(url: string): BulkWriter {
  return url.startsWith("file:") ? sqliteWriter(url.slice("file:".length)) : postgresWriter(url);
}

function sqliteWriter(file: string): BulkWriter {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -200000");
  const convert = (type: ColumnType, v: unknown) =>
    v === null || v === undefined ? null : type === "time" ? sqlTime(v as Date) : type === "bool" ? (v ? 1 : 0) : type === "json" ? JSON.stringify(v) : v;
  const inserts = Object.fromEntries(
    TABLES.map((t) => {
      const cols = Object.entries(COLUMNS[t]) as [string, ColumnType][];
      const stmt = db.prepare(`INSERT INTO "${t}" (${cols.map(([c]) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
      return [t, (row: Row) => void stmt.run(...row.map((v, i) => convert(cols[i][1], v)))];
    }),
  ) as Record<Table, (row: Row) => void>;
  const writeAll = db.transaction((batch: Batch) => {
    for (const t of TABLES) for (const row of batch[t]) inserts[t](row);
  });
  // The tables' indexes are made again after the rows (sorted once rather than grown row by row: several times faster).
  const indexes = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${TABLES.map(() => "?").join(", ")})`)
    .all(...TABLES) as { name: string; sql: string }[];
  for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
  return {
    async write(batch) {
      writeAll(batch);
    },
    async finish() {
      for (const i of indexes) db.exec(i.sql);
      db.pragma("wal_checkpoint(TRUNCATE)");
    },
    async close() {
      db.close();
    },
  };
}

const PG_TYPES: Record<ColumnType, string> = { int: "int[]", text: "text[]", bool: "boolean[]", time: "timestamp(3)[]", float: "float8[]", json: "jsonb[]" };

function postgresWriter(url: string): BulkWriter {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => undefined);
  const convert = (type: ColumnType, v: unknown) =>
    v === null || v === undefined ? null : type === "time" ? (v as Date).toISOString().replace("Z", "") : type === "json" ? JSON.stringify(v) : v;
  const sql = Object.fromEntries(
    TABLES.map((t) => {
      const cols = Object.entries(COLUMNS[t]) as [string, ColumnType][];
      return [t, `INSERT INTO "${t}" (${cols.map(([c]) => `"${c}"`).join(", ")}) SELECT * FROM unnest(${cols.map(([, type], i) => `$${i + 1}::${PG_TYPES[type]}`).join(", ")})`];
    }),
  ) as Record<Table, string>;
  // Indexes are dropped before the rows and made again after them (primary keys stay: the foreign keys need them).
  const indexes = (async () => {
    const { rows } = await pool.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1) AND indexname NOT LIKE '%\\_pkey'`,
      [TABLES],
    );
    for (const i of rows) await pool.query(`DROP INDEX "${i.name}"`);
    return rows;
  })();
  return {
    async write(batch) {
      await indexes;
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const t of TABLES) {
          const rows = batch[t];
          if (!rows.length) continue;
          const cols = Object.values(COLUMNS[t]) as ColumnType[];
          await client.query(sql[t], cols.map((type, i) => rows.map((r) => convert(type, r[i]))));
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      } finally {
        client.release();
      }
    },
    async finish() {
      await pool.query("SET maintenance_work_mem = '256MB'");
      for (const i of await indexes) await pool.query(i.def);
      for (const t of TABLES) await pool.query(`SELECT setval(pg_get_serial_sequence('"${t}"', 'id'), GREATEST(1, (SELECT MAX("id") FROM "${t}")))`);
      // As autovacuum would after rows this many: the planner sees the tables as they are.
      await pool.query("ANALYZE");
    },
    async close() {
      await pool.end();
    },
  };
}
