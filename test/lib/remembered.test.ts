// The per-isolate memory behind start targets, webhook endpoints, solve rules and verified keys
// (worker/lib/remembered.ts): a value lives less than its TTL, the oldest set goes first at the limit.
import { describe, expect, it } from "vitest";
import { Remembered } from "../../worker/lib/remembered";

describe("Remembered", () => {
  it("answers a value for less than its TTL from the time it was set with", () => {
    const memory = new Remembered<string>(10_000, 10);
    memory.set("key", "value", 1_000);
    expect(memory.get("key", 10_999)).toBe("value");
    expect(memory.get("key", 11_000)).toBeUndefined();
    // Gone for good, not back at an earlier time.
    expect(memory.get("key", 1_000)).toBeUndefined();
  });

  it("drops the oldest set first at its limit; setting a value again makes it the newest", () => {
    const memory = new Remembered<number>(60_000, 2);
    memory.set("a", 1, 0);
    memory.set("b", 2, 0);
    memory.set("a", 3, 1);
    memory.set("c", 4, 2);
    expect([memory.get("a", 3), memory.get("b", 3), memory.get("c", 3)]).toEqual([3, undefined, 4]);
  });

  it("forgets one key, or every value a predicate picks", () => {
    const memory = new Remembered<{ keyId: string }>(60_000, 10);
    memory.set("x1", { keyId: "k1" }, 0);
    memory.set("x2", { keyId: "k1" }, 0);
    memory.set("y", { keyId: "k2" }, 0);
    memory.forgetWhere((value) => value.keyId === "k1");
    expect([memory.get("x1", 1), memory.get("x2", 1), memory.get("y", 1)]).toEqual([undefined, undefined, { keyId: "k2" }]);
    memory.forget("y");
    expect(memory.get("y", 1)).toBeUndefined();
  });
});
