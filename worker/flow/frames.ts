// Counting down a frame's connections: a node becomes ready when all its in-scope incoming
// connections are resolved and one is taken, or is skipped when none is, which resolves its own
// outgoing connections as not taken, so a skip spreads to everything only that branch led to.
import type { Frame } from "./checkpoint";
import type { FlowGraph } from "./graph";

/** A fresh run of a scope: the root scope of a new job, or one iteration of a loop body. */
export function openFrame(graph: FlowGraph, loopNode: string | null, loop: unknown): Frame {
  const scope = graph.scopes.get(loopNode);
  if (!scope) throw new Error(`Node '${loopNode}' has no loop body.`);
  const frame: Frame = {
    loopNode,
    loop,
    remaining: { ...scope.incomingCounts },
    taken: {},
    states: {},
    ready: [],
    finishedLoops: {},
  };
  if (loopNode === null) {
    // START has no incoming connections to wait for: it is ready at once.
    frame.ready.push(...scope.entries);
  } else {
    // The loop node has just taken its `loop` port into this body.
    for (const entry of scope.entries) arrive(frame, entry, true);
  }
  for (const id of scope.unreachable) skip(graph, frame, id);
  return frame;
}

/** Marks a finished node done and resolves its outgoing connections; those on `ports` are taken. */
export function finishNode(graph: FlowGraph, frame: Frame, id: string, ports: readonly string[]): void {
  frame.states[id] = "done";
  resolveOutgoing(graph, frame, id, ports);
}

function skip(graph: FlowGraph, frame: Frame, id: string): void {
  frame.states[id] = "skipped";
  resolveOutgoing(graph, frame, id, null);
}

/** `ports` null means the node was skipped: none of its connections is taken. */
function resolveOutgoing(graph: FlowGraph, frame: Frame, id: string, ports: readonly string[] | null): void {
  // A skip can spread down a long chain of nodes: an explicit work list rather than recursion, made
  // only once something is skipped (a step that skips nothing allocates nothing here).
  let skipped: string[] | null = null;
  for (const edge of graph.outgoing[id]) {
    if (arrive(frame, edge.target, ports !== null && ports.includes(edge.port))) (skipped ??= []).push(edge.target);
  }
  for (let target = skipped?.pop(); target !== undefined; target = skipped!.pop()) {
    frame.states[target] = "skipped";
    for (const edge of graph.outgoing[target]) {
      if (arrive(frame, edge.target, false)) skipped!.push(edge.target);
    }
  }
}

/** One incoming connection of `target` resolved. Returns true when that makes `target` skipped. */
function arrive(frame: Frame, target: string, taken: boolean): boolean {
  if (taken) frame.taken[target] = true;
  frame.remaining[target]--;
  if (frame.remaining[target] !== 0) return false;
  if (frame.taken[target]) {
    frame.ready.push(target);
    return false;
  }
  return true;
}
