// Reads of reference data (the organisation, the list, places, helpers, settings) answered from memory. Every
// message reads them (whose chat is this, which group, which areas and units) and they change a few times a day,
// while each read through Prisma costs about a millisecond of CPU. Writes are seen where they happen: the driver
// adapters (db.ts) tell this module of every statement that writes one of these tables, in this process or as a
// transaction commits, and bump a DataVersion row in the same transaction so that other processes see the change
// at their next check (every 10 s, like the list and the replies). Each reader gets a copy of its own (Prisma itself
// writes into the results it returns), so nobody changes what another reader gets.
import type { PrismaClient } from "./generated/prisma/client.ts";
import { dataModelOf } from "./dataModel.ts";

/** The models whose reads are cached. Not accounts, tokens or sessions: a revoked one must stop at once. */
export const CACHED_MODELS = new Set([
  "Area", "AreaContact", "ChatGroup", "Unit", "Role", "AreaRoleUnit", "UnitContact", "Matter", "MatterCooperatingUnit",
  "MatterCooperatingRole", "EmergencyRule", "Setting", "ListVersion", "ReplyVersion", "ServicePlace", "PlaceService",
  "PlaceContact", "Volunteer", "PartyHousehold", "PartyHouseholdBuilding",
]);

const READS = new Set(["findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow", "findMany", "count", "aggregate", "groupBy"]);
const MAX_ENTRIES = 5000;
export const CHECK_MS = 10_000;

/** The statement that tells other processes the cached tables changed (both engines). */
export const BUMP_SQL = `INSERT INTO "DataVersion" ("name", "version") VALUES ('reference', 1) ON CONFLICT ("name") DO UPDATE SET "version" = "DataVersion"."version" + 1`;
const VERSION_SQL = `SELECT "version" FROM "DataVersion" WHERE "name" = 'reference'`;

const WRITE = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?/i;

/** The cached table a statement writes, if any. */
export function writesCached(sql: string): boolean {
  const m = WRITE.exec(sql);
  return Boolean(m && CACHED_MODELS.has(m[1]));
}

type Relations = Map<string, Map<string, string>>;

/** Which relation fields of each model lead to which model (the client's own datamodel). */
function relationsOf(client: object): Relations {
  const { models } = dataModelOf(client);
  return new Map(Object.entries(models).map(([name, m]) => [name, new Map(m.fields.filter((f) => f.kind === "object").map((f) => [f.name, f.type]))]));
}

/** Whether a query's include / select reaches only cached models (else the answer may hold other data). */
function staysCached(relations: Relations, model: string, args: unknown): boolean {
  if (!args || typeof args !== "object") return true;
  for (const key of ["include", "select"] as const) {
    const picked = (args as Record<string, unknown>)[key];
    if (!picked || typeof picked !== "object") continue;
    for (const [field, value] of Object.entries(picked)) {
      if (field === "_count") return false;
      const target = relations.get(model)?.get(field);
      if (!target) continue; // a scalar field
      if (!value) continue;
      if (!CACHED_MODELS.has(target) || !staysCached(relations, target, value)) return false;
    }
  }
  return true;
}

/** Dates as their time, so two queries alike have one key. */
const keyOf = (model: string, operation: string, args: unknown) => `${model}.${operation}:${JSON.stringify(args ?? null)}`;

/** Reads DataVersion's row (pg gives its version as a string, Prisma's raw query as a number or bigint). */
type VersionRead = (sql: string) => Promise<{ version: number | bigint | string }[]>;

/** What one process has cached, and what it knows of writes (its own, and others' through DataVersion). */
export class ReadCache {
  private readonly entries = new Map<string, unknown>();
  /** Moves with every write to a cached table: an answer read across a move is not kept. */
  private generation = 0;
  /** Transactions open now that wrote a cached table: until they end, reads go to the database. */
  private openWrites = 0;
  private knownVersion: number | null = null;
  private checkedAt = 0;
  /** Values made from cached reads alone (derived), with the generation they were made in. */
  private readonly made = new Map<string, { generation: number; value: unknown }>();
  /** How this cache asks the database for DataVersion (checkOn's, else the client's, set by extend). */
  private read: VersionRead | null = null;
  hits = 0;
  misses = 0;

  constructor(private readonly checkEveryMs = CHECK_MS) {}

  /** A statement outside a transaction wrote a cached table. */
  written(): void {
    this.generation++;
    this.entries.clear();
    this.made.clear();
  }

  /**
   * A value made from reads of cached tables alone (the service places' facts), kept until one of those tables is
   * written here or in another process (as the reads themselves are). Frozen: every caller gets the same one.
   */
  async derived<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (this.due() && this.read) await this.check(this.read);
    if (this.openWrites > 0) return make();
    const kept = this.made.get(key);
    if (kept && kept.generation === this.generation) {
      this.hits++;
      return kept.value as T;
    }
    this.misses++;
    const generation = this.generation;
    const value = deepFreeze(await make());
    if (this.generation === generation && this.openWrites === 0) this.made.set(key, { generation, value });
    return value;
  }

  /** A transaction wrote a cached table for the first time. */
  transactionWrites(): void {
    this.openWrites++;
    this.written();
  }

  /** That transaction ended (committed or rolled back). */
  transactionEnded(): void {
    this.openWrites--;
    this.written();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether to ask the database for DataVersion now (at most every 10 s). */
  private due(): boolean {
    return Date.now() - this.checkedAt >= this.checkEveryMs;
  }

  /** Drops everything when another process has written since the last check. */
  private async check(read: VersionRead): Promise<void> {
    this.checkedAt = Date.now();
    const rows = await read(VERSION_SQL);
    const version = rows.length ? Number(rows[0].version) : 0;
    if (this.knownVersion !== null && version !== this.knownVersion) this.written();
    this.knownVersion = version;
  }

  /**
   * Where the check asks for DataVersion, instead of the client: on PostgreSQL a pool of its own, since a read
   * inside a transaction checks too, and a transaction holding the pool's last connection (a burst's appeals each
   * hold one while they wait for each other's turn) would wait for itself until it timed out.
   */
  checkOn(read: VersionRead): void {
    this.read = read;
  }

  /** The client whose reads of cached models are answered from here. */
  extend(client: PrismaClient): PrismaClient {
    const cache = this;
    const relations = relationsOf(client);
    this.read ??= (sql: string) => client.$queryRawUnsafe<{ version: number | bigint }[]>(sql);
    return client.$extends({
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            if (!READS.has(operation) || !CACHED_MODELS.has(model)) return query(args);
            if (cache.due() && cache.read) await cache.check(cache.read);
            if (cache.openWrites > 0 || !staysCached(relations, model, args)) return query(args);
            const key = keyOf(model, operation, args);
            if (cache.entries.has(key)) {
              cache.hits++;
              // The most recently used last, so the oldest is the one dropped when full.
              const value = cache.entries.get(key);
              cache.entries.delete(key);
              cache.entries.set(key, value);
              return structuredClone(value);
            }
            cache.misses++;
            const generation = cache.generation;
            const result = await query(args);
            if (cache.generation === generation && cache.openWrites === 0) {
              if (cache.entries.size >= MAX_ENTRIES) cache.entries.delete(cache.entries.keys().next().value!);
              cache.entries.set(key, structuredClone(result));
            }
            return result;
          },
        },
      },
    }) as unknown as PrismaClient;
  }
}

/** Frozen through and through, a Map's values too (its type, ReadonlyMap, keeps callers from setting entries). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of value instanceof Map ? value.values() : Object.values(value)) deepFreeze(v);
  }
  return value;
}
