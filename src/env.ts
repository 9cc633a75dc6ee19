// Reads .env from the working folder when there is one; variables already set in the environment win.
import { existsSync } from "node:fs";

export function loadDotEnv(file = ".env"): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
