// Nearest labelled examples by TF-IDF cosine, through an inverted index. It lets one worker's correction count
// at once for near-identical appeals, and gives the LLM the few most similar confirmed cases as examples.
import { textFeatures } from "./linear.ts";

export interface Neighbour {
  index: number;
  label: string;
  text: string;
  similarity: number;
}

export class NeighbourIndex {
  private constructor(
    private readonly examples: { text: string; label: string }[],
    private readonly vocab: Map<string, { id: number; idf: number }>,
    private readonly postings: Map<number, [number, number][]>,
  ) {}

  static build(examples: { text: string; label: string }[]): NeighbourIndex {
    const bags = examples.map((e) => textFeatures(e.text));
    const df = new Map<string, number>();
    for (const bag of bags) for (const f of bag.keys()) df.set(f, (df.get(f) ?? 0) + 1);
    const n = Math.max(1, examples.length);
    const vocab = new Map<string, { id: number; idf: number }>();
    // Common features say little about which case is most alike and make the postings long: a feature in more
    // than a fifth of the examples, or in more than 30 of them, is left out.
    const maxDf = Math.max(2, Math.min(n / 5, 30));
    for (const [f, d] of df) if (d <= maxDf) vocab.set(f, { id: vocab.size, idf: Math.log((1 + n) / (1 + d)) + 1 });
    const postings = new Map<number, [number, number][]>();
    bags.forEach((bag, i) => {
      for (const [id, w] of weigh(bag, vocab)) {
        let list = postings.get(id);
        if (!list) postings.set(id, (list = []));
        list.push([i, w]);
      }
    });
    return new NeighbourIndex(examples, vocab, postings);
  }

  get size(): number {
    return this.examples.length;
  }

  /** Takes the text or its textFeatures. */
  nearest(text: string | Map<string, number>, k = 3, minSimilarity = 0.2): Neighbour[] {
    const acc = new Map<number, number>();
    for (const [id, w] of weigh(typeof text === "string" ? textFeatures(text) : text, this.vocab)) {
      for (const [i, x] of this.postings.get(id) ?? []) acc.set(i, (acc.get(i) ?? 0) + w * x);
    }
    return [...acc]
      .filter(([, s]) => s >= minSimilarity)
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([i, s]) => ({ index: i, label: this.examples[i].label, text: this.examples[i].text, similarity: Number(s.toFixed(4)) }));
  }
}

function weigh(bag: Map<string, number>, vocab: Map<string, { id: number; idf: number }>): [number, number][] {
  const out: [number, number][] = [];
  let norm = 0;
  for (const [f, tf] of bag) {
    const v = vocab.get(f);
    if (!v) continue;
    const w = (1 + Math.log(tf)) * v.idf;
    out.push([v.id, w]);
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  return out.map(([id, w]) => [id, w / norm]);
}
