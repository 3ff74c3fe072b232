// The one module that owns job states: the states, the allowed transitions, which are final,
// and the status code and message each outcome carries (DESIGN.md §3). Nothing else spells a state.

export const JOB_STATES = ["WAITING", "RUNNING", "COMPLETED", "ERROR", "CANCELING", "CANCELED"] as const;
export type JobState = (typeof JOB_STATES)[number];

export const STATUS_CODES = [
  "JOB_INITIALIZED",
  "JOB_RUNNING",
  "JOB_SUCCESS",
  "JOB_EXECUTION_ERROR",
  "JOB_VALIDATION_ERROR",
  "JOB_TIMEOUT",
  "JOB_USER_CANCELED",
  "JOB_SYSTEM_CANCELED",
  "ZOMBIE_PROCESS",
] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export const FINAL_STATES: readonly JobState[] = ["COMPLETED", "ERROR", "CANCELED"];
const FINAL: ReadonlySet<JobState> = new Set(FINAL_STATES);

/** States as an SQL list for `state IN (…)`: `'RUNNING', 'CANCELING'` (the names are constants, not input). */
export function sqlStates(states: readonly JobState[]): string {
  return states.map((state) => `'${state}'`).join(", ");
}

/** States that hold one of the account's parallel slots. */
export const SLOT_HOLDING_STATES: readonly JobState[] = ["RUNNING", "CANCELING"];

const ALLOWED: Record<JobState, readonly JobState[]> = {
  WAITING: ["RUNNING", "CANCELED"],
  RUNNING: ["COMPLETED", "ERROR", "CANCELING", "CANCELED"],
  CANCELING: ["CANCELED", "COMPLETED", "ERROR"],
  COMPLETED: [],
  ERROR: [],
  CANCELED: [],
};

export function isFinal(state: JobState): boolean {
  return FINAL.has(state);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED[from].includes(to);
}

/** The states a job may be in for a transition into `to` to apply (used in conditional UPDATEs). */
export function statesBefore(to: JobState): JobState[] {
  return JOB_STATES.filter((from) => canTransition(from, to));
}

export interface Status {
  state: JobState;
  code: StatusCode;
  message: string;
}

/** Why a job ended, mapped exhaustively to its final state and status. */
export type Outcome =
  | { kind: "completed" }
  | { kind: "execution-error"; message: string }
  | { kind: "validation-error"; message: string }
  | { kind: "timeout"; message: string }
  | { kind: "user-canceled" }
  | { kind: "system-canceled"; message: string }
  | { kind: "zombie"; message: string };

export function statusForOutcome(outcome: Outcome): Status {
  switch (outcome.kind) {
    case "completed":
      return { state: "COMPLETED", code: "JOB_SUCCESS", message: "Job completed successfully" };
    case "execution-error":
      return { state: "ERROR", code: "JOB_EXECUTION_ERROR", message: outcome.message };
    case "validation-error":
      return { state: "ERROR", code: "JOB_VALIDATION_ERROR", message: outcome.message };
    case "timeout":
      return { state: "ERROR", code: "JOB_TIMEOUT", message: outcome.message };
    case "user-canceled":
      return { state: "CANCELED", code: "JOB_USER_CANCELED", message: "Job canceled by user" };
    case "system-canceled":
      return { state: "CANCELED", code: "JOB_SYSTEM_CANCELED", message: outcome.message };
    case "zombie":
      return { state: "ERROR", code: "ZOMBIE_PROCESS", message: outcome.message };
  }
}

export const WAITING_STATUS: Status = { state: "WAITING", code: "JOB_INITIALIZED", message: "Job initialized" };
export const RUNNING_STATUS: Status = { state: "RUNNING", code: "JOB_RUNNING", message: "Job is being processed" };
export const CANCELING_STATUS: Status = {
  state: "CANCELING",
  code: "JOB_RUNNING",
  message: "Cancel requested; waiting for the runner to stop",
};
