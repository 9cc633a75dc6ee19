// Writes a PostgreSQL transaction need not wait for (db.ts sqlRunLater): a row nobody reads back in the transaction,
// whose failure can only be a bug or a lost connection (a job, an outbox message, a message's outcome). Each waits
// for the transaction's next statement and goes with it, as a data-modifying WITH ahead of it, in one round trip:
// every round trip costs the process a write to the socket, and a case's transaction has several of these. A
// statement that reads or writes a waiting write's table, a statement that cannot carry a WITH, and COMMIT send the
// waiting writes first, in one statement of their own. A ROLLBACK drops them.
//
// What it keeps true: a statement after a write sees it (its table named sends the write first; Prisma's own
// statements, whose tables are not known here, always do); two writes to one table never share a statement (their
// order stands, and one cannot miss the other's row); a waiting write that fails fails the statement it went with,
// so the transaction rolls back as if it had failed where it was written. SQL is in rawSql's form (`?` marks).

export interface Write {
  sql: string;
  values: unknown[];
}

/** Runs a statement (rawSql's form) on the transaction's connection. */
type Run = (sql: string, values: unknown[]) => Promise<unknown>;

/** A write that can wait: an INSERT, UPDATE or DELETE of one table, with no WITH of its own (a WITH cannot nest one). */
const TARGET = /^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+("\w+")/i;
/** Statements that can carry a WITH ahead of them (not a WITH RECURSIVE, whose word would have to come first). */
const CARRIES = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH(?!\s+RECURSIVE))\b/i;

export class LaterWrites {
  private writes: (Write & { table: string })[] = [];

  constructor(private readonly run: Run) {}

  /** The table a write changes (quoted, as the SQL names it), or null when it cannot wait. */
  static tableOf(sql: string): string | null {
    return TARGET.exec(sql)?.[1] ?? null;
  }

  get waiting(): number {
    return this.writes.length;
  }

  /** Holds a write back; one to a table a waiting write changes sends that one first. */
  async add(write: Write, table: string): Promise<void> {
    if (this.writes.some((w) => w.table === table)) await this.flush();
    this.writes.push({ ...write, table });
  }

  /** The statement as it is to be sent: with the waiting writes ahead of it when it can take them, else as it is, sent after them. */
  async with(statement: Write): Promise<Write> {
    if (!this.writes.length) return statement;
    if (!CARRIES.test(statement.sql) || this.writes.some((w) => statement.sql.includes(w.table))) {
      await this.flush();
      return statement;
    }
    return joined(this.take(), statement);
  }

  /** Sends the waiting writes, all in one statement. */
  async flush(): Promise<void> {
    const writes = this.take();
    const last = writes.pop();
    if (!last) return;
    const statement = joined(writes, last);
    await this.run(statement.sql, statement.values);
  }

  /** The transaction rolls back: nothing waiting is sent. */
  drop(): void {
    this.writes = [];
  }

  private take(): Write[] {
    const writes = this.writes;
    this.writes = [];
    return writes;
  }
}

/** `main` with `before` ahead of it as data-modifying WITHs (joining a WITH it has), the values in the order of their marks. */
export function joined(before: Write[], main: Write): Write {
  if (!before.length) return main;
  const ahead = before.map((w, i) => `"later_${i}" AS (${w.sql})`).join(", ");
  const rest = /^\s*WITH\s/i.test(main.sql) ? `, ${main.sql.replace(/^\s*WITH\s+/i, "")}` : ` ${main.sql}`;
  return { sql: `WITH ${ahead}${rest}`, values: [...before.flatMap((w) => w.values), ...main.values] };
}
