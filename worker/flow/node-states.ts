// The per-node picture the console draws on the flow graph. Best effort: a loop body shows its
// current iteration, a finished loop's body shows its last iteration.
import type { Checkpoint, Frame, RunState } from "./checkpoint";
import type { FlowGraph } from "./graph";

export type NodeState = "done" | "running" | "pending" | "skipped" | "error";

export function nodeStatesOf(graph: FlowGraph, checkpoint: Checkpoint): Record<string, NodeState> {
  const frames = new Map<string | null, Frame>(checkpoint.frames.map((frame) => [frame.loopNode, frame]));
  const states: Record<string, NodeState> = {};
  // Scopes come parents first, so a loop node's own state is known before its body is drawn.
  for (const scope of graph.scopes.values()) {
    const frame = frames.get(scope.loopNode);
    const recorded = frame?.states ?? (scope.loopNode === null ? undefined : finishedBody(checkpoint, scope.loopNode));
    const loopState = scope.loopNode === null ? "running" : states[scope.loopNode];
    // A body with no frame and no record never ran: pending while its loop may still start, else skipped.
    const fallback: NodeState = recorded || loopState === "pending" || loopState === "running" ? "pending" : "skipped";
    for (const id of scope.members) states[id] = recorded?.[id] ?? fallback;
  }
  return states;
}

/** Loop bodies that finished are recorded in the nearest frame still on the stack (innermost first). */
function finishedBody(checkpoint: Checkpoint, loopNode: string): Record<string, RunState> | undefined {
  for (let index = checkpoint.frames.length - 1; index >= 0; index--) {
    const recorded = checkpoint.frames[index].finishedLoops[loopNode];
    if (recorded) return recorded;
  }
  return undefined;
}
