// Nearest labelled examples by TF-IDF cosine, through an inverted index. It lets one worker's correction count
// at once for near-identical appeals, and gives the LLM the few most similar confirmed cases as examples.
// A full build takes about a second with 10,000 examples (jieba), so the service builds it in the training
// thread and moves it back (toTransfer/fromTransfer); a new example is added to the live index meanwhile (add).
import { textFeatures, tfidf } from "./linear.ts";

export interface Neighbour {
  index: number;
  label: string;
  text: string;
  similarity: number;
}

export interface IndexedExample {
  text: string;
  label: string;
}

/**
 * A full build as plain data for another thread: features in id order with their IDF, and the postings as
 * compressed sparse rows (feature f's examples and weights at start[f] up to start[f + 1]). The examples' texts
 * stay behind: the receiving thread has them.
 */
export interface TransferredIndex {
  size: number;
  /**
   * Features in id order, one a line (one string crosses threads many times faster than 80,000 of them), or a
   * list if a feature holds a line break (textFeatures makes none).
   */
  features: string | string[];
  idf: Float64Array;
  /** Features left out as too common (an added example leaves them out too), as `features`. */
  common: string | string[];
  start: Int32Array;
  example: Int32Array;
  weight: Float64Array;
}

export class NeighbourIndex {
  /** Similarity by example while a query is scored (then set back to 0): no allocation per query. */
  private similarity: Float64Array;
  private touched: Int32Array;
  /** Postings of examples added after the build (add), by feature id; read after the built postings. */
  private readonly addedPostings = new Map<number, { examples: number[]; weights: number[] }>();
  private added = 0;

  private constructor(
    private readonly examples: IndexedExample[],
    private readonly vocab: Map<string, number>,
    private idf: Float64Array,
    private featureCount: number,
    private readonly common: Set<string>,
    private readonly postings: { start: Int32Array; example: Int32Array; weight: Float64Array },
  ) {
    this.similarity = new Float64Array(examples.length);
    this.touched = new Int32Array(examples.length);
  }

  static build(examples: IndexedExample[]): NeighbourIndex {
    const bags = examples.map((e) => textFeatures(e.text));
    const df = new Map<string, number>();
    for (const bag of bags) for (const f of bag.keys()) df.set(f, (df.get(f) ?? 0) + 1);
    const n = Math.max(1, examples.length);
    const vocab = new Map<string, number>();
    const idf: number[] = [];
    const common = new Set<string>();
    // Common features say little about which case is most alike and make the postings long: a feature in more
    // than a fifth of the examples, or in more than 30 of them, is left out.
    const maxDf = Math.max(2, Math.min(n / 5, 30));
    for (const [f, d] of df) {
      if (d > maxDf) common.add(f);
      else {
        vocab.set(f, vocab.size);
        idf.push(Math.log((1 + n) / (1 + d)) + 1);
      }
    }
    const idfs = Float64Array.from(idf);
    const vectors = bags.map((bag) => tfidf(bag, vocab, idfs));
    // Postings in example order, laid out by feature.
    const start = new Int32Array(vocab.size + 1);
    for (const v of vectors) for (const f of v.ids) start[f + 1]++;
    for (let f = 0; f < vocab.size; f++) start[f + 1] += start[f];
    const fill = start.slice(0, vocab.size);
    const example = new Int32Array(start[vocab.size]);
    const weight = new Float64Array(start[vocab.size]);
    vectors.forEach((v, i) => {
      for (let q = 0; q < v.ids.length; q++) {
        const at = fill[v.ids[q]]++;
        example[at] = i;
        weight[at] = v.weights[q];
      }
    });
    return new NeighbourIndex(examples.slice(), vocab, idfs, vocab.size, common, { start, example, weight });
  }

  /** The index that toTransfer sent, over the examples it was built from (checked for shape: it crossed threads). */
  static fromTransfer(d: TransferredIndex, examples: IndexedExample[]): NeighbourIndex {
    const names = lines(d.features);
    const features = names.length;
    if (d.size !== examples.length || d.idf.length !== features || d.start.length !== features + 1 || d.example.length !== d.weight.length || d.start[features] !== d.example.length) {
      throw new Error("transferred example index has inconsistent sizes");
    }
    const vocab = new Map<string, number>();
    for (let i = 0; i < features; i++) vocab.set(names[i], i);
    return new NeighbourIndex(examples.slice(), vocab, d.idf, features, new Set(lines(d.common)), { start: d.start, example: d.example, weight: d.weight });
  }

  /**
   * The index as plain data for another thread, with the buffers to move rather than copy (this index cannot
   * answer after it has been sent). Examples added since the build are laid out with the others.
   */
  toTransfer(): { data: TransferredIndex; transfer: ArrayBuffer[] } {
    const features: string[] = new Array(this.featureCount);
    for (const [f, i] of this.vocab) features[i] = f;
    let { start, example, weight } = this.postings;
    if (this.addedPostings.size) ({ start, example, weight } = this.merged());
    const data: TransferredIndex = {
      size: this.examples.length,
      features: oneString(features),
      idf: ownBuffer(this.idf.subarray(0, this.featureCount)),
      common: oneString([...this.common]),
      start: ownBuffer(start),
      example: ownBuffer(example),
      weight: ownBuffer(weight),
    };
    return { data, transfer: [data.idf, data.start, data.example, data.weight].map((a) => a.buffer as ArrayBuffer) };
  }

  get size(): number {
    return this.examples.length;
  }

  /** Whether this is a full build of its examples (no example added since, whose weights are approximate). */
  get exact(): boolean {
    return this.added === 0;
  }

  /**
   * Adds one example at once (the example index must not wait for a rebuild), weighed with the IDF in force:
   * its features not seen before get the IDF of a feature in one example, the others' IDF is left as it is and
   * common features stay out. Close to a full build; the next full build makes it exact.
   */
  add(e: IndexedExample): void {
    const i = this.examples.length;
    this.examples.push({ text: e.text, label: e.label });
    this.added++;
    if (i >= this.similarity.length) {
      const capacity = Math.max(16, i * 2);
      this.similarity = new Float64Array(capacity);
      this.touched = new Int32Array(capacity);
    }
    const bag = textFeatures(e.text);
    const unseenIdf = Math.log((1 + this.examples.length) / 2) + 1;
    for (const f of bag.keys()) {
      if (this.vocab.has(f) || this.common.has(f)) continue;
      if (this.featureCount === this.idf.length) {
        const grown = new Float64Array(Math.max(16, this.featureCount * 2));
        grown.set(this.idf);
        this.idf = grown;
      }
      this.idf[this.featureCount] = unseenIdf;
      this.vocab.set(f, this.featureCount++);
    }
    const { ids, weights } = tfidf(bag, this.vocab, this.idf);
    for (let q = 0; q < ids.length; q++) {
      let posting = this.addedPostings.get(ids[q]);
      if (!posting) this.addedPostings.set(ids[q], (posting = { examples: [], weights: [] }));
      posting.examples.push(i);
      posting.weights.push(weights[q]);
    }
  }

  /**
   * Brings the index up to `examples`, which extend the ones it holds (the store's examples, in id order): a
   * changed label is taken over, new examples are added. False when they do not extend them (an example's text
   * differs, or examples are gone): the caller builds afresh.
   */
  catchUp(examples: IndexedExample[]): boolean {
    const held = this.examples;
    if (examples.length < held.length) return false;
    for (let i = 0; i < held.length; i++) {
      if (examples[i].text !== held[i].text) return false;
      if (examples[i].label !== held[i].label) held[i] = { text: held[i].text, label: examples[i].label };
    }
    for (let i = held.length; i < examples.length; i++) this.add(examples[i]);
    return true;
  }

  /** Takes the text or its textFeatures. */
  nearest(text: string | Map<string, number>, k = 3, minSimilarity = 0.2): Neighbour[] {
    const { similarity, touched, addedPostings } = this;
    const { start, example, weight } = this.postings;
    const built = start.length - 1;
    let count = 0;
    const query = tfidf(typeof text === "string" ? textFeatures(text) : text, this.vocab, this.idf);
    for (let q = 0; q < query.ids.length; q++) {
      const f = query.ids[q];
      const w = query.weights[q];
      if (f < built) {
        for (let j = start[f], end = start[f + 1]; j < end; j++) {
          const i = example[j];
          if (similarity[i] === 0) touched[count++] = i;
          similarity[i] += w * weight[j];
        }
      }
      const posting = addedPostings.size ? addedPostings.get(f) : undefined;
      if (!posting) continue;
      for (let j = 0; j < posting.examples.length; j++) {
        const i = posting.examples[j];
        if (similarity[i] === 0) touched[count++] = i;
        similarity[i] += w * posting.weights[j];
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

  /** The built and the added postings as one set of rows, each feature's examples in order. */
  private merged(): { start: Int32Array; example: Int32Array; weight: Float64Array } {
    const { start, example, weight } = this.postings;
    const built = start.length - 1;
    const rowStart = new Int32Array(this.featureCount + 1);
    for (let f = 0; f < this.featureCount; f++) {
      const own = f < built ? start[f + 1] - start[f] : 0;
      rowStart[f + 1] = rowStart[f] + own + (this.addedPostings.get(f)?.examples.length ?? 0);
    }
    const rowExample = new Int32Array(rowStart[this.featureCount]);
    const rowWeight = new Float64Array(rowStart[this.featureCount]);
    for (let f = 0; f < this.featureCount; f++) {
      let at = rowStart[f];
      if (f < built) {
        for (let j = start[f]; j < start[f + 1]; j++, at++) {
          rowExample[at] = example[j];
          rowWeight[at] = weight[j];
        }
      }
      const posting = this.addedPostings.get(f);
      if (!posting) continue;
      for (let j = 0; j < posting.examples.length; j++, at++) {
        rowExample[at] = posting.examples[j];
        rowWeight[at] = posting.weights[j];
      }
    }
    return { start: rowStart, example: rowExample, weight: rowWeight };
  }
}

const oneString = (xs: string[]): string | string[] => (xs.some((x) => x.includes("\n")) ? xs : xs.join("\n"));
const lines = (x: string | string[]): string[] => (typeof x !== "string" ? x : x ? x.split("\n") : []);

/** The array itself when it spans its whole buffer (so moving the buffer moves nothing else), else a copy. */
function ownBuffer<T extends Float64Array | Int32Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}
