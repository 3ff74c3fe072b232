// The depth scanner that bounds request bodies: iterative, so no input can overflow its stack, and
// blind to brackets inside strings.
import { describe, expect, it } from "vitest";
import { findTooDeep, formatJsonPath, MAX_JSON_DEPTH } from "../../worker/lib/json-depth";

const bytes = (text: string) => new TextEncoder().encode(text);
const nestedArrays = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

describe("findTooDeep", () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and reports the first container past them`, () => {
    expect(findTooDeep(bytes(nestedArrays(64)))).toBeNull();
    expect(findTooDeep(bytes(nestedArrays(65)))).toEqual(Array(64).fill(0));
    expect(findTooDeep(bytes(nestedArrays(3)), 2)).toEqual([0, 0]);
  });

  it("scans a 100,000-deep text without overflowing the stack", () => {
    expect(findTooDeep(bytes(nestedArrays(100_000)))).toHaveLength(64);
    expect(findTooDeep(bytes(nestedArrays(100_000)), 200_000)).toBeNull();
  });

  it("names the keys and indexes leading to the container past the limit", () => {
    const text = JSON.stringify({ a: 1, list: [0, { "we\"ird\\": { x: [[[]]] } }] });
    expect(findTooDeep(bytes(text), 5)).toEqual(["list", 1, 'we"ird\\', "x", 0]);
    expect(formatJsonPath("input", ["list", 1, "x", 0])).toBe("input.list[1].x[0]");
    expect(formatJsonPath("", ["definition", "nodes", 3])).toBe("definition.nodes[3]");
  });

  it("ignores brackets inside strings, escaped quotes included, and multi-byte characters", () => {
    const text = JSON.stringify({ s: "[[[{{{\\\"[[[", t: "€".repeat(1000) + "[[[[" });
    expect(findTooDeep(bytes(text), 1)).toBeNull();
    expect(findTooDeep(bytes(JSON.stringify(["€[", ["€{"]])), 1)).toEqual([1]);
  });

  it("does not trip on text that is not JSON (the parser refuses it next)", () => {
    for (const text of ["]]]}}}", '"never closed [[[[', "{:,,:}", ""]) expect(findTooDeep(bytes(text), 2)).toBeNull();
  });
});
