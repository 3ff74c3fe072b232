// Job states as the console shows them (DESIGN.md §3): label and badge tone per API state.
export const JOB_STATE_ORDER = ["WAITING", "RUNNING", "COMPLETED", "ERROR", "CANCELING", "CANCELED"] as const;
export type JobStateName = (typeof JOB_STATE_ORDER)[number];

export type BadgeTone = "warning" | "purple" | "success" | "danger" | "info" | "primary" | "neutral";

const BADGES: Record<JobStateName, { label: string; tone: BadgeTone }> = {
  WAITING: { label: "Waiting", tone: "warning" },
  RUNNING: { label: "Running", tone: "purple" },
  COMPLETED: { label: "Completed", tone: "success" },
  ERROR: { label: "Error", tone: "danger" },
  CANCELED: { label: "Canceled", tone: "info" },
  CANCELING: { label: "Cancelling", tone: "primary" },
};

export function stateBadge(state: string): { label: string; tone: BadgeTone } {
  return BADGES[state as JobStateName] ?? { label: state.charAt(0) + state.slice(1).toLowerCase(), tone: "neutral" };
}

export function isFinalState(state: string): boolean {
  return state === "COMPLETED" || state === "ERROR" || state === "CANCELED";
}

/** A job the user may still cancel. */
export function isCancelable(state: string): boolean {
  return state === "WAITING" || state === "RUNNING";
}
