// Synthetic labelled appeals for the benchmarks: a matter's name and category inside real residents' sentences
// (../shared/datasets). They measure speed and size, not accuracy (npm run eval does that).
import { readFileSync } from "node:fs";
import type { MatterInfo } from "../classify/catalogue.ts";

export const SHARED = process.env.SHARED_DATASETS ?? "../shared/datasets";

/** A maker of appeals about the given matters; the same sequence on every run. */
export function appealMaker(matters: Pick<MatterInfo, "code" | "name" | "category">[], seed = 42): () => { text: string; label: string } {
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const sentences = readFileSync(`${SHARED}/appeals-dev.tsv`, "utf8")
    .split("\n")
    .flatMap((line) => line.split("\t")[0].split(/[。！？!?]/))
    .map((s) => s.trim())
    .filter((s) => s.length >= 8 && s.length <= 60);
  return () => {
    const m = pick(matters);
    return { text: `${pick(sentences)}，${m.name}${m.category.split("/")[1]}的问题${pick(sentences)}`, label: m.code };
  };
}
