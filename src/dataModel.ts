// The schema as the generated client knows it (each model's fields: name, kind — scalar or object — and type), for
// the code that writes or caches rows by model name without a query of Prisma's (rawRows.ts, readCache.ts).
export type DataModel = { models: Record<string, { fields: { name: string; kind: string; type: string }[] }> };

export function dataModelOf(client: object): DataModel {
  return (client as unknown as { _runtimeDataModel: DataModel })._runtimeDataModel;
}
