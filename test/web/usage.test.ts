// Usage page maths: the free-seconds meter, the chart's scale and days, the pay-as-you-go sentence.
import { describe, expect, it } from "vitest";
import { dailySeries, meterParts, niceMax, payAsYouGoSentence, periodDays } from "../../web/src/lib/usage";

describe("meterParts", () => {
  it("shows the share of the free seconds used and what is left", () => {
    expect(meterParts({ freeSeconds: 3600, freeUsedSeconds: 900, overageSeconds: 0, unbilledSeconds: 0 })).toEqual({
      freeShare: 0.25,
      freeLeft: 2700,
      overShare: 0,
      overLimit: false,
    });
  });

  it("caps at full and counts time over the limit, billed or not", () => {
    const parts = meterParts({ freeSeconds: 100, freeUsedSeconds: 100, overageSeconds: 30, unbilledSeconds: 20 });
    expect(parts).toMatchObject({ freeShare: 1, freeLeft: 0, overLimit: true });
    expect(parts.overShare).toBeCloseTo(50 / 150);
  });

  it("treats an account without free seconds as full", () => {
    expect(meterParts({ freeSeconds: 0, freeUsedSeconds: 0, overageSeconds: 5, unbilledSeconds: 0 }).freeShare).toBe(1);
  });
});

describe("niceMax", () => {
  it("rounds the largest value up to 1, 2 or 5 times a power of ten", () => {
    expect(niceMax([])).toBe(1);
    expect(niceMax([0, 0])).toBe(1);
    expect(niceMax([0.3])).toBe(0.5);
    expect(niceMax([7, 13])).toBe(20);
    expect(niceMax([100])).toBe(100);
    expect(niceMax([3601])).toBe(5000);
  });
});

describe("dailySeries", () => {
  it("has one entry per day of the period so far, zero on days without jobs", () => {
    const usage = {
      period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
      daily: [{ day: "2026-11-02", usedSeconds: 12, freeUsedSeconds: 12, overageSeconds: 0, unbilledSeconds: 0, solveMs: 0 }],
    };
    expect(dailySeries(usage, Date.parse("2026-11-03T10:00:00Z"))).toEqual([
      { day: "2026-11-01", usedSeconds: 0 },
      { day: "2026-11-02", usedSeconds: 12 },
      { day: "2026-11-03", usedSeconds: 0 },
    ]);
    expect(dailySeries(usage, Date.parse("2027-01-01T00:00:00Z"))).toHaveLength(30);
  });
});

describe("periodDays", () => {
  it("lists every UTC day of the period, the chart's x axis", () => {
    const november = periodDays({ start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" });
    expect(november).toHaveLength(30);
    expect([november[0], november[29]]).toEqual(["2026-11-01", "2026-11-30"]);
    expect(periodDays({ start: "2027-02-01T00:00:00.000Z", end: "2027-03-01T00:00:00.000Z" })).toHaveLength(28);
  });
});

describe("payAsYouGoSentence", () => {
  it("says what the switch changes, as the seed does", () => {
    expect(payAsYouGoSentence(false)).toMatch(/new jobs are refused.*not billed/);
    expect(payAsYouGoSentence(true)).toMatch(/keep starting.*billed/);
  });
});
