// Media files, content-addressed: a file's name is its SHA-256, so the same photo sent twice is kept once and a
// stored file can be checked against its name. Written to a temporary name first, then renamed into place.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export class MediaFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Stores the bytes; returns their hash and the path relative to the media folder (ab/abcdef….jpg). */
  async put(bytes: Buffer, ext: string): Promise<{ sha256: string; path: string }> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const rel = path.join(sha256.slice(0, 2), `${sha256}.${ext}`);
    const abs = this.abs(rel);
    if (!(await exists(abs))) {
      await mkdir(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, abs);
    }
    return { sha256, path: rel };
  }

  /** A free path for a file derived from a stored one (a voice message converted to MP3). */
  derived(rel: string, ext: string): string {
    return rel.replace(/\.[a-z0-9]+$/, `.${ext}`);
  }

  /** The absolute path of a stored file; refuses anything that would leave the media folder. */
  abs(rel: string): string {
    const abs = path.resolve(this.dir, rel);
    if (!abs.startsWith(this.dir + path.sep)) throw new Error("media path outside the media folder");
    return abs;
  }

  async remove(rel: string): Promise<void> {
    await rm(this.abs(rel), { force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
