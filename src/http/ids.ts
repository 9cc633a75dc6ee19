// Row ids as the database keeps them: Int, 32 bits on PostgreSQL. A number past that is no row's id; checked at the
// edge, it is refused like any bad input (on PostgreSQL it would otherwise fail the query: a 500).
import { z } from "zod";

export const MAX_ROW_ID = 2_147_483_647;
/** An id in a JSON body. */
export const rowIdValue = z.number().int().positive().max(MAX_ROW_ID);
/** An id in a path or a query string. */
export const rowId = z.coerce.number().int().positive().max(MAX_ROW_ID);
export const isRowId = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= MAX_ROW_ID;
