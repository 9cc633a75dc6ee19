// Applies the committed migrations once, with the real Prisma CLI, to a template database each test copies.
// The template is per run, so two test runs in one folder do not disturb each other.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { fromRoot, ROOT } from "./paths.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
  }
}

export default function setup(project: TestProject) {
  const templateDb = fromRoot(".tmp", `template-${process.pid}.db`);
  mkdirSync(path.dirname(templateDb), { recursive: true });
  execFileSync(process.execPath, [fromRoot("node_modules/prisma/build/index.js"), "migrate", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `file:${templateDb}` },
    stdio: "pipe",
  });
  project.provide("templateDb", templateDb);
  return () => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(templateDb + suffix, { force: true });
  };
}
