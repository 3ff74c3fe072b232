// How deep a JSON text nests, measured on its raw bytes before anything parses it (DESIGN.md §4.2:
// inputs deeper than 64 levels are refused). Iterative, so a 100,000-deep body cannot overflow the stack.

/** The deepest nesting of objects and arrays a request body may have; the top-level value is level 1. */
export const MAX_JSON_DEPTH = 64;

/** Where a text nests too deep: the keys and indexes leading to the first container past the limit. */
export type JsonPath = (string | number)[];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface Frame {
  object: boolean;
  /** Array: the index of the current element. */
  index: number;
  /** Object: the byte range of the current key's string token (quotes included), decoded only for a report. */
  keyStart: number;
  keyEnd: number;
  expectingKey: boolean;
}

/**
 * The path to the first object or array nested deeper than `limit`, or null when the text stays
 * within it. Counts `{` and `[` outside strings; it does not check that the text is valid JSON
 * (the parser does that next), so it works on UTF-8 bytes: every byte of a multi-byte character
 * is ≥ 0x80 and never looks like a bracket or a quote.
 */
export function findTooDeep(text: Uint8Array, limit = MAX_JSON_DEPTH): JsonPath | null {
  const frames: Frame[] = [];
  for (let at = 0; at < text.length; at++) {
    const byte = text[at];
    if (byte === QUOTE) {
      const end = stringEnd(text, at);
      const top = frames[frames.length - 1];
      if (top?.object && top.expectingKey) {
        top.keyStart = at;
        top.keyEnd = end;
      }
      at = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (frames.length === limit) return pathOf(text, frames);
      frames.push({ object: byte === OPEN_OBJECT, index: 0, keyStart: -1, keyEnd: -1, expectingKey: true });
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      frames.pop();
    } else if (byte === COMMA) {
      const top = frames[frames.length - 1];
      if (top) {
        top.index++;
        top.expectingKey = true;
      }
    } else if (byte === COLON) {
      const top = frames[frames.length - 1];
      if (top) top.expectingKey = false;
    }
  }
  return null;
}

/** The index of the quote closing the string that opens at `start` (or the last byte if it never closes). */
function stringEnd(text: Uint8Array, start: number): number {
  let quote = text.indexOf(QUOTE, start + 1);
  while (quote !== -1) {
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf(QUOTE, quote + 1);
  }
  return text.length - 1;
}

function pathOf(text: Uint8Array, frames: Frame[]): JsonPath {
  const decoder = new TextDecoder();
  return frames.map((frame) => {
    if (!frame.object) return frame.index;
    if (frame.keyStart < 0) return "";
    const token = decoder.decode(text.subarray(frame.keyStart, frame.keyEnd + 1));
    try {
      return String(JSON.parse(token));
    } catch {
      return token.slice(1, -1);
    }
  });
}

/** `a.b[3].c`, for messages: numbers as `[3]`, keys as `.key`, long keys shortened. */
export function formatJsonPath(prefix: string, path: JsonPath): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    const key = segment.length > 40 ? `${segment.slice(0, 40)}…` : segment;
    return text === "" ? key : `${text}.${key}`;
  }, prefix);
}
