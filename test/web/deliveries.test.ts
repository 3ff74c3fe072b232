// Webhook delivery attempts in words: the API's series and attempt numbers become "First try",
// "Retry n", "Redelivery n" and "Redelivery n, retry m".
import { describe, expect, it } from "vitest";
import { attemptLabel } from "../../web/src/lib/deliveries";

describe("delivery attempt labels", () => {
  it("names the tries of the original delivery and of each redelivery", () => {
    expect(attemptLabel(1, 0)).toBe("First try");
    expect(attemptLabel(1, 1)).toBe("Retry 1");
    expect(attemptLabel(1, 8)).toBe("Retry 8");
    expect(attemptLabel(2, 0)).toBe("Redelivery 1");
    expect(attemptLabel(3, 2)).toBe("Redelivery 2, retry 2");
  });
});
