// The one place that tells a passing platform failure from a lasting one. A passing failure (D1
// briefly unavailable or overloaded, an object reset by a deploy) is retried from the checkpoint
// with backoff for as long as it lasts and never fails a job (DESIGN.md §12); anything else that
// escapes a slice counts toward the poison-slice rule in runner.ts.

/**
 * Messages the platform documents as transient: D1's "Retry queries" best practice lists the first
 * three; the rest are the D1 and Durable Object errors whose recommended action is to retry.
 */
const PASSING_MESSAGES = [
  /Network connection lost/i,
  /storage caused object to be reset/i,
  /reset because its code was updated/i,
  /D1 DB is overloaded/i,
  /Too many requests queued/i,
  /transient issue/i,
  /storage operation exceeded timeout/i,
  /Durable Object is overloaded/i,
  /internal error; reference =/i,
  /SQLITE_BUSY/i,
];

export type FailureKind = "passing" | "lasting";

export function failureKind(error: unknown): FailureKind {
  for (let cause = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (typeof cause !== "object" && typeof cause !== "string") break;
    // Durable Object and RPC errors carry flags saying so.
    const flags = cause as { retryable?: unknown; overloaded?: unknown };
    if (flags.retryable === true || flags.overloaded === true) return "passing";
    const message = cause instanceof Error ? cause.message : String(cause);
    if (PASSING_MESSAGES.some((pattern) => pattern.test(message))) return "passing";
  }
  return "lasting";
}

/** "Name: message" of an error, for a job's status message and the log. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
