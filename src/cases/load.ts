// A case with its matter and lead unit, as the case actions and the presenters take it: the case from the database,
// its matter and unit from memory (readCache.ts's derived values). Prisma's include would send three statements for it,
// none of them cached, since the case is not reference data.
import { readCacheOf, sqlRows, type Db, type Prisma } from "../db.ts";
import { modelColumns, notFound, updateRow } from "../rawRows.ts";
import { unitById } from "../org/directory.ts";

type Tx = Prisma.TransactionClient | Db;
type CaseRow = Prisma.CaseGetPayload<object>;
export type CaseWithMatter = Prisma.CaseGetPayload<{ include: { matter: true; leadUnit: true } }>;

/** The case row with its matter and lead unit attached. */
export async function withMatter(tx: Tx, kase: CaseRow): Promise<CaseWithMatter> {
  const [matter, leadUnit] = await Promise.all([
    kase.matterId ? matterById(tx, kase.matterId) : null,
    kase.leadUnitId ? unitById(tx, kase.leadUnitId) : null,
  ]);
  return { ...kase, matter, leadUnit };
}

/** A matter of the list, kept in memory until the list changes (ReadCache.derived): every case action reads one. */
function matterById(tx: Tx, id: number) {
  const read = () => tx.matter.findUnique({ where: { id } });
  const cache = readCacheOf(tx);
  return cache ? cache.derived(`matter:${id}`, read) : read();
}

/** The case by id, with its matter and lead unit; throws as findUniqueOrThrow does when there is none. */
export async function loadCase(tx: Tx, id: number): Promise<CaseWithMatter> {
  // Raw SQL (db.ts sqlRows): every case action reads its case.
  const [kase] = await sqlRows<CaseRow>(tx, `SELECT ${modelColumns(tx, "Case")} FROM "Case" WHERE "id" = ?`, id);
  if (!kase) throw notFound("Case", id);
  return withMatter(tx, kase);
}

/** Writes the case and returns it with its matter and lead unit. */
export async function updateCase(tx: Tx, id: number, data: Prisma.CaseUncheckedUpdateInput): Promise<CaseWithMatter> {
  return withMatter(tx, await updateRow<CaseRow>(tx, "Case", id, data as Record<string, unknown>, () => tx.case.update({ where: { id }, data })));
}
