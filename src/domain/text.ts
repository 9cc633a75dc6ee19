// Text as it arrives from chats and browsers may be broken: a lone UTF-16 surrogate (half an emoji cut by a
// client) or a NUL cannot be stored or indexed reliably. They become U+FFFD where text enters the service.
const BROKEN = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

export function wellFormedText(text: string): string {
  return text.replace(BROKEN, "\uFFFD");
}

/** The same for every string inside parsed JSON (plain objects and arrays; anything else is left as it is). */
export function wellFormedStrings<T>(value: T): T {
  if (typeof value === "string") return wellFormedText(value) as T;
  if (Array.isArray(value)) return value.map(wellFormedStrings) as T;
  if (value && typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, wellFormedText(k), { value: wellFormedStrings(v), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}
