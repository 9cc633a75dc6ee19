// Text as it arrives from chats and browsers may be broken: a lone UTF-16 surrogate (half an emoji cut by a
// client) or a NUL cannot be stored or indexed reliably. They become U+FFFD where text enters the service.
const BROKEN = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

export function wellFormedText(text: string): string {
  return text.replace(BROKEN, "\uFFFD");
}

/** Deeper than this, a body is refused rather than walked (no form or message nests more than a few levels). */
export const MAX_DEPTH = 64;

export class TooDeepError extends Error {}

/** The same for every string inside parsed JSON (plain objects and arrays; anything else is left as it is). */
export function wellFormedStrings<T>(value: T, depth = 0): T {
  // Almost every body is well formed already: looked through first, it is kept rather than copied.
  return wellFormed(value, depth) ? value : mended(value, depth);
}

const BROKEN_ONE = new RegExp(BROKEN.source);

function wellFormed(value: unknown, depth: number): boolean {
  if (typeof value === "string") return !BROKEN_ONE.test(value);
  if (!value || typeof value !== "object") return true;
  if (depth >= MAX_DEPTH) throw new TooDeepError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.every((v) => wellFormed(v, depth + 1));
  if (![Object.prototype, null].includes(Object.getPrototypeOf(value))) return true;
  for (const [k, v] of Object.entries(value)) if (BROKEN_ONE.test(k) || !wellFormed(v, depth + 1)) return false;
  return true;
}

function mended<T>(value: T, depth: number): T {
  if (typeof value === "string") return wellFormedText(value) as T;
  if (!value || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) throw new TooDeepError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((v) => mended(v, depth + 1)) as T;
  if ([Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, wellFormedText(k), { value: mended(v, depth + 1), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}
