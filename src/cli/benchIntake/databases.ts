// The intake benchmark's own databases: a template migrated once with applyMigrations, and a fresh copy of it for
// each measured run (SQLite: the file copied into a folder of its own; PostgreSQL: CREATE DATABASE … TEMPLATE on
// the server at BENCH_POSTGRES_URL). Everything made here is dropped by dropAll, also after a failure.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "../../migrations/apply.ts";
import { adminQuery, postgresDatabaseUrl as databaseUrl } from "../../migrations/server.ts";

export type BenchEngine = "sqlite" | "postgres";

export interface BenchDatabase {
  url: string;
  /** The service's DATA_DIR and media folder for this run. */
  dataDir: string;
}

export class BenchDatabases {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), "minhu-bench-intake-"));
  private readonly prefix = `minhu_bench_${process.pid}`;
  private readonly made: string[] = [];
  private template: string | null = null;
  private count = 0;

  constructor(
    readonly engine: BenchEngine,
    /** PostgreSQL: the server's administrator URL (any database on it). */
    private readonly serverUrl: string,
  ) {}

  /** Where the runs' databases are, for the summary (no password). */
  describe(): string {
    if (this.engine === "sqlite") return this.dir;
    const u = new URL(this.serverUrl);
    return `${u.hostname}:${u.port || 5432}`;
  }

  private async ensureTemplate(): Promise<string> {
    if (this.template) return this.template;
    if (this.engine === "sqlite") {
      const file = path.join(this.dir, "template.db");
      await applyMigrations(`file:${file}`);
      this.template = file;
    } else {
      const name = `${this.prefix}_template`;
      await adminQuery(this.serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await adminQuery(this.serverUrl, `CREATE DATABASE "${name}"`);
      this.made.push(name);
      await applyMigrations(databaseUrl(this.serverUrl, name));
      this.template = name;
    }
    return this.template;
  }

  /** A migrated, empty database (the first service process seeds it). */
  async fresh(): Promise<BenchDatabase> {
    const template = await this.ensureTemplate();
    const n = ++this.count;
    const dataDir = path.join(this.dir, `run-${n}`);
    mkdirSync(dataDir, { recursive: true });
    if (this.engine === "sqlite") {
      const file = path.join(dataDir, "minhu.db");
      copyFileSync(template, file);
      return { url: `file:${file}`, dataDir };
    }
    const name = `${this.prefix}_${n}`;
    await adminQuery(this.serverUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    this.made.push(name);
    return { url: databaseUrl(this.serverUrl, name), dataDir };
  }

  async dropAll(): Promise<void> {
    for (const name of this.made.splice(0).reverse()) await adminQuery(this.serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
