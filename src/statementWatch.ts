// What the Prisma client's driver adapters send, watched: each statement counted (for the benchmarks), the read cache
// told of every write to a cached table, and each transaction tied to its connection's side (postgresConnection.ts),
// whose writes waiting for a next statement go before any of Prisma's.
import { BUMP_SQL, writesCached, type ReadCache } from "./readCache.ts";
import { transactionOpened, type OpenedHandle } from "./postgresConnection.ts";
import type { Query, Queryable, Transaction } from "./sqlite.ts";

/**
 * SQL statements this process has sent to the database (BEGIN and COMMIT included), for the benchmarks; `straight`:
 * of them, those sqlRows and sqlRun ran on the connection themselves, without Prisma.
 */
export const statementsSent = { count: 0, straight: 0 };

const bump: Query = { sql: BUMP_SQL, args: [], argTypes: [] };

/**
 * Watches what an adapter sends: counts each statement (a transaction's BEGIN as one) and tells the read cache of
 * every write to a cached table — a statement on its own at once, followed by the DataVersion bump; a
 * transaction's when it first writes one, and again when it ends, with the bump just before its COMMIT.
 */
export function watchStatements<T extends object>(adapter: T, cache: ReadCache): T {
  const a = adapter as unknown as Queryable & { startTransaction(...args: unknown[]): Promise<Transaction> };
  const { queryRaw, executeRaw, startTransaction } = a;
  const alone = (run: Queryable["queryRaw"]) => async (query: Query) => {
    statementsSent.count++;
    const result = await run.call(a, query);
    if (writesCached(query.sql)) {
      cache.written();
      statementsSent.count++;
      await executeRaw.call(a, bump);
    }
    return result;
  };
  a.queryRaw = alone(queryRaw);
  a.executeRaw = alone(executeRaw);
  a.startTransaction = async (...args) => {
    statementsSent.count++;
    const tx = await startTransaction.apply(a, args);
    return watchTransaction(tx, cache, transactionOpened(tx));
  };
  return adapter;
}

function watchTransaction(tx: Transaction, cache: ReadCache, handle: OpenedHandle): Transaction {
  const { queryRaw, executeRaw, commit, rollback } = tx;
  let writes = false;
  const ended = () => {
    handle.ended();
    if (!writes) return;
    writes = false;
    cache.transactionEnded();
  };
  const inside = (run: Queryable["queryRaw"]) => async (query: Query) => {
    // Writes waiting for the next statement (sqlRunLater) go before any of Prisma's, COMMIT's first of all.
    try {
      await handle.beforeStatement(query.sql);
    } catch (err) {
      // They failed at COMMIT: the transaction is rolled back here and its connection let go, since Prisma, its
      // COMMIT refused, neither rolls it back nor releases it (a COMMIT sent now would roll back and say it committed).
      if (query.sql === "COMMIT") await abandon();
      throw err;
    }
    if (query.sql === "COMMIT" && writes) {
      statementsSent.count++;
      await executeRaw.call(tx, bump);
    } else if (!writes && writesCached(query.sql)) {
      writes = true;
      cache.transactionWrites();
    }
    statementsSent.count++;
    try {
      return await run.call(tx, query);
    } finally {
      if (query.sql === "COMMIT" || query.sql === "ROLLBACK") ended();
    }
  };
  const abandon = async () => {
    statementsSent.count++;
    await executeRaw.call(tx, { sql: "ROLLBACK", args: [], argTypes: [] }).catch(() => undefined);
    ended();
    await rollback.call(tx);
  };
  tx.queryRaw = inside(queryRaw);
  tx.executeRaw = inside(executeRaw);
  tx.commit = async () => {
    await handle.beforeStatement("COMMIT");
    ended();
    return commit.call(tx);
  };
  tx.rollback = async () => {
    await handle.beforeStatement("ROLLBACK");
    ended();
    return rollback.call(tx);
  };
  return tx;
}

/** A driver adapter factory whose adapters are watched; `connected` is told of each. */
export function watched<F extends { connect(): Promise<object> }>(factory: F, cache: ReadCache, connected: (adapter: object) => void): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = watchStatements(await connect(), cache);
    connected(adapter);
    return adapter;
  };
  return factory;
}

