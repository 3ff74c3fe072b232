// The per-node picture the console draws on the flow graph (and GET /api/jobs/{id} answers). A node
// that ran in any iteration of a loop is done, however its last iteration went; once the job is
// over, nothing is running any more.
import type { Checkpoint, Frame, RunState } from "./checkpoint";
import type { FlowGraph } from "./graph";

/**
 * done: ran (at least once; `runs` says how often); running: running now (a loop: its body is);
 * pending: has not run (in a finished job: never ran); skipped: its branch was not taken;
 * error: failed, or was running when the job failed (the loops around a failing node);
 * canceled: was running when the job was canceled.
 */
export const NODE_STATES = ["done", "running", "pending", "skipped", "error", "canceled"] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** How the job ended: as its checkpoint says when the flow ended it, or as the runner says (a cancel, a timeout, the poison-slice rule). */
export interface JobEnding {
  state: "COMPLETED" | "ERROR" | "CANCELED";
  /** The name of the node the job failed at, when known. */
  node: string | null;
}

export function nodeStatesOf(graph: FlowGraph, checkpoint: Pick<Checkpoint, "frames" | "final" | "runs">, ending?: JobEnding): Record<string, NodeState> {
  const runs = checkpoint.runs ?? {};
  const frames = new Map<string | null, Frame>(checkpoint.frames.map((frame) => [frame.loopNode, frame]));
  const states: Record<string, NodeState> = {};
  // Scopes come parents first, so a loop node's own state is known before its body is drawn.
  for (const scope of graph.scopes.values()) {
    const frame = frames.get(scope.loopNode);
    const recorded = frame?.states ?? (scope.loopNode === null ? undefined : finishedBody(checkpoint.frames, scope.loopNode));
    const loopState = scope.loopNode === null ? "running" : states[scope.loopNode];
    // A body with no frame and no record never ran: pending while its loop may still start, else skipped.
    const fallback: NodeState = recorded || loopState === "pending" || loopState === "running" ? "pending" : "skipped";
    for (const id of scope.members) {
      // Own properties only: node ids such as "constructor" are keys of these plain objects.
      const state = recorded && Object.hasOwn(recorded, id) ? recorded[id] : fallback;
      // The current (or last) iteration may not have reached it, or skipped it: an earlier one ran it.
      states[id] = state !== "running" && state !== "error" && Object.hasOwn(runs, id) ? "done" : state;
    }
  }
  const end = ending ?? endingOf(checkpoint.final);
  if (end) settle(graph, states, end);
  return states;
}

/** What the flow itself decided, when it ended the job (an END, a failing node, invalid input). */
function endingOf(final: Checkpoint["final"]): JobEnding | undefined {
  if (!final) return undefined;
  return final.kind === "completed" ? { state: "COMPLETED", node: null } : { state: "ERROR", node: final.node };
}

/** A final job has nothing running: what was running was canceled, failed, or (an END inside a loop) completed. */
function settle(graph: FlowGraph, states: Record<string, NodeState>, ending: JobEnding): void {
  const stopped: NodeState = ending.state === "CANCELED" ? "canceled" : ending.state === "ERROR" ? "error" : "done";
  for (const id of Object.keys(states)) if (states[id] === "running") states[id] = stopped;
  if (ending.state !== "ERROR" || ending.node === null) return;
  // A node that failed in a slice the runner gave up on (poison-slice rule) never reached the
  // checkpoint as running; the runner still knows its name.
  const named = Object.keys(states).filter((id) => graph.nodes[id].name === ending.node);
  if (named.length > 0 && !named.some((id) => states[id] === "error")) {
    states[named.find((id) => states[id] !== "done") ?? named[0]] = "error";
  }
}

/** Loop bodies that finished are recorded in the nearest frame still on the stack (innermost first). */
function finishedBody(frames: Frame[], loopNode: string): Record<string, RunState> | undefined {
  for (let index = frames.length - 1; index >= 0; index--) {
    const finished = frames[index].finishedLoops;
    if (Object.hasOwn(finished, loopNode)) return finished[loopNode];
  }
  return undefined;
}
