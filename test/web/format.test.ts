// One shape of time on every page ("Jan 5, 14:03:07"), and UTC days for billing.
import { describe, expect, it } from "vitest";
import { formatDay, formatTime } from "../../web/src/lib/format";

describe("formatting", () => {
  it("formats every time the same way, whether it is today or not", () => {
    const today = new Date();
    const longAgo = new Date(Date.UTC(2021, 2, 4, 5, 6, 7));
    const shape = /^[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}:\d{2}$/;
    expect(formatTime(today.toISOString())).toMatch(shape);
    expect(formatTime(longAgo.toISOString())).toMatch(shape);
    expect(formatTime(null)).toBe("—");
  });

  it("formats billing days as the UTC days they are", () => {
    expect(formatDay("2030-01-05")).toBe("Jan 5, 2030");
    expect(formatDay("2030-02-01T00:00:00.000Z")).toBe("Feb 1, 2030");
  });
});
