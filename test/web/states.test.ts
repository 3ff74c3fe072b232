// Job state badges: the seed's labels and the DESIGN.md §3 colours for every API state.
import { describe, expect, it } from "vitest";
import { isCancelable, isFinalState, JOB_STATE_ORDER, stateBadge } from "../../web/src/lib/states";

describe("stateBadge", () => {
  it("maps every API state to the console label and tone", () => {
    expect(Object.fromEntries(JOB_STATE_ORDER.map((state) => [state, stateBadge(state)]))).toEqual({
      WAITING: { label: "Waiting", tone: "warning" },
      RUNNING: { label: "Running", tone: "purple" },
      COMPLETED: { label: "Completed", tone: "success" },
      ERROR: { label: "Error", tone: "danger" },
      CANCELING: { label: "Cancelling", tone: "primary" },
      CANCELED: { label: "Canceled", tone: "info" },
    });
  });

  it("shows an unknown state plainly, in a neutral tone", () => {
    expect(stateBadge("PAUSED")).toEqual({ label: "Paused", tone: "neutral" });
  });

  it("knows which states are final and which can be canceled", () => {
    expect(JOB_STATE_ORDER.filter(isFinalState)).toEqual(["COMPLETED", "ERROR", "CANCELED"]);
    expect(JOB_STATE_ORDER.filter(isCancelable)).toEqual(["WAITING", "RUNNING"]);
  });
});
