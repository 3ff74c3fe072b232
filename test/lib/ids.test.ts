// Ids: ULIDs that stay in mint order within one millisecond (the jobs list, its keyset cursors and
// "oldest waiting first" sort by id), upper-case Crockford base32 as API paths and keys expect.
import { decodeTime } from "ulidx";
import { describe, expect, it } from "vitest";
import { idFloorForTime, isId, newId } from "../../worker/lib/ids";

/** A millisecond later than every id minted so far in this isolate, so no test depends on another. */
const freshMillisecond = () => Math.max(Date.now(), decodeTime(newId())) + 1;

describe("newId", () => {
  it("mints 10,000 ids in one millisecond strictly increasing, all with that millisecond's time", () => {
    const at = freshMillisecond();
    const ids = Array.from({ length: 10_000 }, () => newId(at));
    for (let index = 1; index < ids.length; index++) expect(ids[index] > ids[index - 1]).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => isId(id) && decodeTime(id) === at)).toBe(true);
  });

  it("keeps increasing when the clock steps back (an earlier `now` reuses the last millisecond)", () => {
    const at = freshMillisecond();
    const first = newId(at);
    const second = newId(at - 5_000);
    expect(second > first).toBe(true);
    expect(decodeTime(second)).toBe(at);
  });

  it("mints 26 upper-case Crockford base32 characters that fit an API key", () => {
    const id = newId();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(`fjk_${id}_${"a".repeat(43)}`).toMatch(/^fjk_([0-9A-Z]{26})_([A-Za-z0-9_-]{43})$/);
  });
});

describe("isId", () => {
  it("refuses malformed ids", () => {
    const id = newId();
    for (const malformed of [
      "",
      id.slice(1),
      id + "0",
      id.toLowerCase(),
      "I" + id.slice(1),
      id.slice(0, 25) + "L",
      id.slice(0, 25) + "O",
      id.slice(0, 25) + "U",
      "8" + id.slice(1), // past 2^48 ms: no ULID starts above 7
      ` ${id}`,
      `${id}\n`,
      "not-a-key-id",
    ]) {
      expect(isId(malformed), JSON.stringify(malformed)).toBe(false);
    }
  });
});

describe("idFloorForTime", () => {
  it("sorts before every id of its millisecond and after every id of the one before", () => {
    const at = freshMillisecond();
    const before = newId(at);
    const after = newId(at + 1);
    expect(idFloorForTime(at + 1) > before).toBe(true);
    expect(idFloorForTime(at + 1) <= after).toBe(true);
    expect(idFloorForTime(at + 2) > after).toBe(true);
  });

  it("clamps times a ULID cannot hold instead of throwing (a `to` of the year 20000)", () => {
    expect(idFloorForTime(-1)).toBe("0".repeat(26));
    expect(idFloorForTime(Date.parse("+020000-01-01T00:00:00Z"))).toBe("7ZZZZZZZZZ" + "0".repeat(16));
  });
});
