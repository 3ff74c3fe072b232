// The runner's decisions that are plain functions of its control record: how a job ends (cancel,
// timeout, the poison-slice rule), its closing note, its deadline, and how slices' charges merge.
import type { JobEnding } from "../flow/node-states";
import type { Control, PendingCharge } from "./runner-storage";
import { statusForOutcome, type Outcome } from "./states";

export function endingOf(final: NonNullable<Control["final"]>): JobEnding {
  const state = final.status.state === "COMPLETED" || final.status.state === "CANCELED" ? final.status.state : "ERROR";
  return { state, node: final.error?.node ?? null };
}

export function cancelOutcome(request: NonNullable<Control["cancelRequest"]>): Outcome {
  return request.systemReason ? { kind: "system-canceled", message: request.systemReason } : { kind: "user-canceled" };
}

/** Marks the control record final; the caller writes it. */
export function finishInto(control: Control, outcome: Outcome, error: { node: string | null; message: string } | null, endedAt: number) {
  control.phase = "final";
  control.sleepingUntil = null;
  control.attempts = { count: 0, lastError: null, node: null, retryAt: null };
  control.final = { status: statusForOutcome(outcome), error, endedAt };
}

/**
 * Slices waiting for their D1 mirror merge into one charge per month (a ledger row per mirror, not per
 * slice; the month boundary still splits them, by the time each slice ended). The merged charge takes
 * the last slice's number, so a repeated mirror still inserts it once.
 */
export function addCharge(control: Control, charge: PendingCharge) {
  const last = control.pendingCharges[control.pendingCharges.length - 1];
  if (last && sameMonth(last.endedAt, charge.endedAt)) {
    control.pendingCharges[control.pendingCharges.length - 1] = { slice: charge.slice, ms: last.ms + charge.ms, endedAt: charge.endedAt };
  } else {
    control.pendingCharges.push(charge);
  }
}

function sameMonth(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getUTCFullYear() === y.getUTCFullYear() && x.getUTCMonth() === y.getUTCMonth();
}

/** `maxDurationSeconds` from the definition's top level, as an absolute deadline. */
export function deadlineOf(definition: string, startedAt: number): number | null {
  try {
    const seconds = (JSON.parse(definition) as { maxDurationSeconds?: unknown }).maxDurationSeconds;
    return typeof seconds === "number" && seconds > 0 ? startedAt + seconds * 1000 : null;
  } catch {
    // A definition that does not parse fails the first slice, under the poison-slice rule.
    return null;
  }
}

export function timeoutOutcome(control: Control): Outcome & { message: string } {
  const seconds = control.deadline === null ? 0 : Math.round((control.deadline - control.startedAt) / 1000);
  return { kind: "timeout", message: `The job ran longer than its maxDurationSeconds (${seconds} s) and was stopped.` };
}

export function poisonOutcome(attempts: Control["attempts"]): Outcome {
  const where = attempts.node === null ? "the job" : `node '${attempts.node}'`;
  return { kind: "execution-error", message: `${where} failed ${attempts.count} times: ${attempts.lastError ?? "unknown cause"}` };
}

export function transitionNote(control: Control): string {
  const final = control.final!;
  switch (final.status.state) {
    case "COMPLETED":
      return `Completed in ${control.slices} slice(s), ${control.executionMs} ms of execution`;
    case "CANCELED":
      return control.cancelRequest ? `Canceled at the request of ${control.cancelRequest.by}` : final.status.message;
    default:
      return final.error?.node ? `Failed at node '${final.error.node}': ${final.error.message}` : final.status.message;
  }
}
