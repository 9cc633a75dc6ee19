// Prisma CLI settings for the PostgreSQL engine: `prisma generate --config prisma/postgres/prisma.config.ts` writes
// its client to src/generated/prisma-pg. The schema beside this file is generated from prisma/schema.prisma
// (npm run db:postgres-schema); migrations are applied by src/migrate/ (see prisma/postgres/README.md).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Generating a client reads the datasource URL: any PostgreSQL URL will do (nothing connects).
const url = process.env.DATABASE_URL?.startsWith("postgres") ? process.env.DATABASE_URL : "postgresql://localhost/unused";
process.env.DATABASE_URL = url;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(import.meta.dirname, "schema.prisma"),
  migrations: { path: path.join(import.meta.dirname, "migrations") },
  async adapter() {
    return new PrismaPg({ connectionString: url });
  },
});
