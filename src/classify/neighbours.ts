// Nearest labelled examples by TF-IDF cosine, through an inverted index. It lets one worker's correction count
// at once for near-identical appeals, and gives the LLM the few most similar confirmed cases as examples.
import { textFeatures } from "./linear.ts";

export interface Neighbour {
  index: number;
  label: string;
  text: string;
  similarity: number;
}

/** The examples that have one feature, with the feature's weight in each. */
interface Posting {
  examples: Int32Array;
  weights: Float64Array;
}

export class NeighbourIndex {
  /** Similarity by example while a query is scored (then set back to 0): no allocation per query. */
  private readonly similarity: Float64Array;
  private readonly touched: Int32Array;

  private constructor(
    private readonly examples: { text: string; label: string }[],
    private readonly vocab: Map<string, { id: number; idf: number }>,
    private readonly postings: (Posting | undefined)[],
  ) {
    this.similarity = new Float64Array(examples.length);
    this.touched = new Int32Array(examples.length);
  }

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
    const lists: { examples: number[]; weights: number[] }[] = [];
    bags.forEach((bag, i) => {
      const { ids, weights } = weigh(bag, vocab);
      for (let q = 0; q < ids.length; q++) {
        const list = (lists[ids[q]] ??= { examples: [], weights: [] });
        list.examples.push(i);
        list.weights.push(weights[q]);
      }
    });
    const postings = Array.from(lists, (l): Posting | undefined => l && { examples: Int32Array.from(l.examples), weights: Float64Array.from(l.weights) });
    return new NeighbourIndex(examples, vocab, postings);
  }

  get size(): number {
    return this.examples.length;
  }

  /** Takes the text or its textFeatures. */
  nearest(text: string | Map<string, number>, k = 3, minSimilarity = 0.2): Neighbour[] {
    const { similarity, touched } = this;
    let count = 0;
    const query = weigh(typeof text === "string" ? textFeatures(text) : text, this.vocab);
    for (let q = 0; q < query.ids.length; q++) {
      const posting = this.postings[query.ids[q]];
      if (!posting) continue;
      const w = query.weights[q];
      const { examples, weights } = posting;
      for (let j = 0; j < examples.length; j++) {
        const i = examples[j];
        if (similarity[i] === 0) touched[count++] = i;
        similarity[i] += w * weights[j];
      }
    }
    // The k most similar, most similar first; ties in the order the examples were first reached.
    const top: number[] = [];
    for (let t = 0; t < count; t++) {
      const i = touched[t];
      const s = similarity[i];
      if (s < minSimilarity || (top.length === k && s <= similarity[top[k - 1]])) continue;
      let at = top.length;
      while (at > 0 && similarity[top[at - 1]] < s) at--;
      top.splice(at, 0, i);
      if (top.length > k) top.pop();
    }
    const found = top.map((i) => ({ index: i, label: this.examples[i].label, text: this.examples[i].text, similarity: Number(similarity[i].toFixed(4)) }));
    for (let t = 0; t < count; t++) similarity[touched[t]] = 0;
    return found;
  }
}

/** TF-IDF weights of a text's known features, L2-normalised: feature ids in `ids`, weights in `weights`. */
function weigh(bag: Map<string, number>, vocab: Map<string, { id: number; idf: number }>): { ids: Int32Array; weights: Float64Array } {
  const ids = new Int32Array(bag.size);
  const weights = new Float64Array(bag.size);
  let n = 0;
  let norm = 0;
  for (const [f, tf] of bag) {
    const v = vocab.get(f);
    if (!v) continue;
    const w = (1 + Math.log(tf)) * v.idf;
    ids[n] = v.id;
    weights[n++] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let q = 0; q < n; q++) weights[q] /= norm;
  return { ids: ids.subarray(0, n), weights: weights.subarray(0, n) };
}
