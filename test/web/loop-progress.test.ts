// The progress bar's words and fill for a job in a loop (progress.loop): "4,500 / 20,000" and its
// percent, or a count without a length (a while FOREACH, a DATABASE_QUERY).
import { describe, expect, it } from "vitest";
import { loopBar, loopUnit } from "../../web/src/lib/loop-progress";

describe("loop progress bar", () => {
  it("counts the iteration in progress from 1 out of the length, with thousands separators", () => {
    expect(loopBar({ node: "each", index: 4_499, length: 20_000 })).toEqual({
      position: 4_500,
      length: 20_000,
      percent: 22,
      label: "4,500 / 20,000",
      text: "4,500 / 20,000 (22 %)",
    });
    expect(loopBar({ node: "each", index: 0, length: 3 })?.text).toBe("1 / 3 (33 %)");
    expect(loopBar({ node: "each", index: 1_233_999, length: 2_000_000 })?.label).toBe("1,234,000 / 2,000,000");
  });

  it("rounds the percent down, so the bar is full only on the last iteration", () => {
    expect(loopBar({ node: "each", index: 19_998, length: 20_000 })?.percent).toBe(99);
    expect(loopBar({ node: "each", index: 19_999, length: 20_000 })).toMatchObject({ percent: 100, label: "20,000 / 20,000" });
    expect(loopBar({ node: "each", index: 0, length: 1_000 })?.percent).toBe(0);
    // Never past the length, whatever the index says.
    expect(loopBar({ node: "each", index: 25, length: 10 })).toMatchObject({ position: 10, percent: 100 });
  });

  it("without a length, shows a count and no percent (an indeterminate bar)", () => {
    expect(loopBar({ node: "read", index: 4_499, length: null }, "rows")).toEqual({
      position: 4_500,
      length: null,
      percent: null,
      label: "4,500 rows",
      text: "4,500 rows",
    });
    expect(loopBar({ node: "loop", index: 41, length: null })?.label).toBe("42 so far");
  });

  it("is nothing when the job is not in a loop", () => {
    expect(loopBar(null)).toBeNull();
    expect(loopBar(undefined)).toBeNull();
  });

  it("counts rows for a DATABASE_QUERY and iterations for a FOREACH", () => {
    expect(loopUnit("DATABASE_QUERY")).toBe("rows");
    expect(loopUnit("FOREACH")).toBe("iterations");
    expect(loopUnit(undefined)).toBeUndefined();
  });
});
