// What a database's schema is, as a comparable list of lines: tables' columns (type, null, default), indexes and
// foreign keys, on SQLite or PostgreSQL. Two databases built different ways (committed migrations, or the schema
// file's SQL from nothing) agree when their catalogues are equal.
import Database from "better-sqlite3";
import pg from "pg";

export async function sqliteCatalogue(file: string): Promise<string[]> {
  const db = new Database(file, { readonly: true });
  try {
    const lines: string[] = [];
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`).all() as { name: string }[];
    for (const { name } of tables) {
      for (const c of db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[]) {
        lines.push(`column ${name}.${c.name} ${c.type} ${c.notnull ? "not null" : "null"} default=${c.dflt_value} pk=${c.pk}`);
      }
      for (const i of db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number; origin: string }[]) {
        const cols = (db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name).join(",");
        lines.push(`index ${name} ${i.name} ${i.unique ? "unique" : ""} (${cols})`);
      }
      for (const f of db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as { table: string; from: string; to: string; on_update: string; on_delete: string }[]) {
        lines.push(`foreign key ${name}.${f.from} → ${f.table}.${f.to} update ${f.on_update} delete ${f.on_delete}`);
      }
    }
    return lines.sort();
  } finally {
    db.close();
  }
}

export async function postgresCatalogue(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const lines: string[] = [];
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, datetime_precision
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    for (const c of columns.rows) {
      lines.push(`column ${c.table_name}.${c.column_name} ${c.data_type}(${c.character_maximum_length ?? c.datetime_precision ?? ""}) ${c.is_nullable === "YES" ? "null" : "not null"} default=${c.column_default}`);
    }
    const indexes = await client.query(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    for (const i of indexes.rows) lines.push(`index ${i.tablename} ${i.indexdef}`);
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`,
    );
    for (const c of constraints.rows) lines.push(`constraint ${c.tbl} ${c.conname} ${c.def}`);
    return lines.sort();
  } finally {
    await client.end();
  }
}
