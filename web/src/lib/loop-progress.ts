// What a job's progress bar says (progress.loop, the outermost loop in an iteration): how far it is,
// how full the bar is, and its words — "4,500 / 20,000", or "4,500 rows" when the length is unknown.
import type { Job } from "../api/types";

export type LoopPosition = NonNullable<Job["progress"]["loop"]>;

export interface LoopBar {
  /** The iteration in progress, counted from 1 (the API's index is from 0), never past the length. */
  position: number;
  length: number | null;
  /** How full the bar is, 0–100, rounded down so it shows 100 only on the last iteration; null when the length is unknown. */
  percent: number | null;
  /** "4,500 / 20,000"; without a length "4,500 rows" (with `unit`) or "4,500 so far". */
  label: string;
  /** The label with the percent: "4,500 / 20,000 (22 %)". */
  text: string;
}

// Built once: toLocaleString with options builds a formatter per call, and a page of jobs has many bars.
const count = new Intl.NumberFormat("en-US");

/** The bar of `loop`, or null when the job is not in a loop. `unit` names what is counted when the length is unknown ("rows"). */
export function loopBar(loop: LoopPosition | null | undefined, unit?: string): LoopBar | null {
  if (!loop) return null;
  const length = loop.length;
  const position = length === null ? loop.index + 1 : Math.min(loop.index + 1, length);
  if (length === null) {
    const label = `${count.format(position)} ${unit ?? "so far"}`;
    return { position, length, percent: null, label, text: label };
  }
  // A loop of length 0 never iterates, so it is never reported; guarded all the same.
  const percent = length === 0 ? 100 : Math.floor((position * 100) / length);
  const label = `${count.format(position)} / ${count.format(length)}`;
  return { position, length, percent, label, text: `${label} (${percent} %)` };
}

/** What a loop node counts, by its type: a DATABASE_QUERY rows, a FOREACH iterations. */
export function loopUnit(nodeType: string | undefined): string | undefined {
  if (nodeType === "DATABASE_QUERY") return "rows";
  if (nodeType === "FOREACH") return "iterations";
  return undefined;
}
