// Where the project is, found from this file rather than the working folder, so a test may be run from anywhere.
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** A path in the project, from its root. */
export const fromRoot = (...parts: string[]) => path.join(ROOT, ...parts);
