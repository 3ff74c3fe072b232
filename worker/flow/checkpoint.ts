// The whole execution state of a flow run as plain JSON. The JobRunner stores it after each slice
// and, after an eviction, builds a new engine from it; JSON.parse(JSON.stringify(cp)) resumes identically.
import type { FlowDefinition } from "./definition";
import { toPlainJson } from "./expressions";
import { openFrame } from "./frames";
import { graphOf } from "./graph";
import type { JobRef } from "./services";

export const CHECKPOINT_VERSION = 1;

/** How far a node got in the current run of its scope; a node missing from `states` is pending. */
export type RunState = "running" | "done" | "skipped" | "error";

/** One scope being run: the root scope, or the current iteration of a loop body. */
export interface Frame {
  /** The loop node whose body this frame runs; null for the root scope. */
  loopNode: string | null;
  /** Loop progress, owned by the loop node's handler (e.g. FOREACH items and index); null for the root. */
  loop: unknown;
  /** Per member: in-scope incoming connections not resolved yet. */
  remaining: Record<string, number>;
  /** Members with at least one taken incoming connection. */
  taken: Record<string, true>;
  states: Record<string, RunState>;
  /** Members whose incoming connections are all resolved, at least one taken: they run in this order. */
  ready: string[];
  /** Node states of loop bodies that finished in this frame (for the console graph only). */
  finishedLoops: Record<string, Record<string, RunState>>;
}

export type FinalResult =
  | { kind: "completed"; output: unknown }
  | { kind: "failed"; code: "JOB_EXECUTION_ERROR" | "JOB_VALIDATION_ERROR"; node: string | null; message: string };

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  /** Exactly what expressions see: `input`, `vars` and every node's latest output under its name. */
  context: { input: unknown; vars: Record<string, unknown>; [nodeName: string]: unknown };
  /** The root frame first, then one frame per loop being iterated (innermost last). */
  frames: Frame[];
  /** A WAIT node in its durable sleep, with the output it finishes with. */
  sleep: { node: string; until: number; output: unknown } | null;
  /** Node executions so far (see FlowEngine.steps). */
  steps: number;
  /**
   * Per node id, how many times it has finished, across every iteration of every loop (a loop node
   * counts once per time its loop ends). Frames keep only the current iteration's states, so this is
   * what tells a node that ran in an earlier iteration from one that never ran. Absent in
   * checkpoints stored before it existed: read as empty.
   */
  runs?: Record<string, number>;
  /**
   * A node that stopped part-way (a `partial` result: a REST_API fan-out at the end of a slice) and
   * runs next, continuing from its kept output (under its name in `context`) and this progress.
   * Absent in checkpoints stored before it existed, and whenever no node is part-way.
   */
  partial?: { node: string; progress: unknown } | null;
  /** Set once the run is over; every later step returns it. */
  final: FinalResult | null;
}

/** The state before the first step. `job` is in the contract for state that may depend on the attempt; none does yet. */
export function createCheckpoint(definition: FlowDefinition, input: unknown, job: JobRef): Checkpoint {
  return {
    version: CHECKPOINT_VERSION,
    context: { input: toPlainJson(input), vars: {} },
    frames: [openFrame(graphOf(definition), null, null)],
    sleep: null,
    steps: 0,
    runs: {},
    final: null,
  };
}
