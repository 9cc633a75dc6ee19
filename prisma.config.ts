// Prisma CLI settings: the JS schema engine over better-sqlite3, so migrations run offline.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { loadDotEnv } from "./src/env.ts";

loadDotEnv();

const url = process.env.DATABASE_URL ?? "file:./data/minhu.db";
process.env.DATABASE_URL = url;
// SQLite creates the file but not its folder.
const file = url.replace(/^file:/, "");
if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    return new PrismaBetterSQLite3({ url });
  },
});
