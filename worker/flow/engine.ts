// The flow interpreter: walks the graph one node per step() over a JSON checkpoint, so the JobRunner
// can persist between steps and resume after an eviction exactly where it stopped.
import { CHECKPOINT_VERSION, type Checkpoint, type FinalResult, type Frame } from "./checkpoint";
import { DEFAULT_PORT, type FlowDefinition, type FlowNode } from "./definition";
import { evaluateExpression, evaluateFastForm } from "./expressions";
import { FlowFailure } from "./failure";
import { finishNode, openFrame } from "./frames";
import type { FlowGraph } from "./graph";
import { nodeStatesOf, type JobEnding, type NodeState } from "./node-states";
import type { NodeContext, NodeResult, SyncContext } from "./nodes/handler";
import { NODE_HANDLERS, type NodeHandlers } from "./nodes/index";
import { planOf, type FlowPlan } from "./plan";
import type { EngineServices, JobRef } from "./services";

export { createCheckpoint, type Checkpoint } from "./checkpoint";
export type { EngineServices, JobRef, LogLine } from "./services";

/** A node threw something other than a FlowFailure; `node` says which, `cause` what. */
export class NodeCrashed extends Error {
  constructor(
    readonly node: FlowNode,
    cause: unknown,
  ) {
    super(`${node.type} '${node.name}': ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, { cause });
    this.name = "NodeCrashed";
  }
}

/** Where the outermost loop being iterated is (the Job object's `progress.loop`): its node id, the iteration's index, and its length when known. */
export interface LoopPosition {
  node: string;
  index: number;
  length: number | null;
}

export type StepResult =
  | { readonly kind: "ran" }
  | { kind: "sleeping"; until: number }
  | FinalResult;

/** What a step that ran returns: one frozen object, not one per step. */
const RAN: StepResult = Object.freeze({ kind: "ran" });

/** How many input-schema problems a validation error lists before summarising the rest. */
const LISTED_PROBLEMS = 20;
/** The ports a node takes when its result names none: one shared array, not one per step. */
const DEFAULT_PORTS: readonly string[] = Object.freeze([DEFAULT_PORT]);

export class FlowEngine {
  private readonly graph: FlowGraph;
  private readonly plan: FlowPlan;
  private readonly state: Checkpoint;
  private readonly bindings: Record<string, unknown>;
  /** Refilled for each synchronous step (stepSync), so such a step allocates no context. */
  private readonly syncContext: SyncContext;

  /**
   * `handlers` defaults to the registry; tests pass extra node types. The checkpoint is copied, so
   * the caller's object is never changed behind its back — unless `owned`: the runner hands over a
   * checkpoint it just loaded, and its store tells what changed by the identity of the values in it.
   */
  constructor(
    private readonly definition: FlowDefinition,
    checkpoint: Checkpoint,
    private readonly job: JobRef,
    private readonly services: EngineServices,
    private readonly handlers: NodeHandlers = NODE_HANDLERS,
    owned = false,
  ) {
    this.plan = planOf(definition, handlers);
    this.graph = this.plan.graph;
    this.state = owned ? checkpoint : structuredClone(checkpoint);
    const bindings = { job: { id: job.id, attempt: job.attempt } };
    this.bindings = bindings;
    const values = this.state.context;
    this.syncContext = {
      node: definition.nodes[0],
      definition,
      now: 0,
      services,
      values,
      evaluate: (fast) => evaluateFastForm(fast, values, bindings),
    };
  }

  /** The current state: plain JSON, safe to store right after any step(). */
  get checkpoint(): Checkpoint {
    return this.state;
  }

  /**
   * Node executions so far: each handler call counts once. A body node counts once per iteration;
   * a FOREACH counts once per iteration it starts plus once when it finishes (an empty loop: 1);
   * a WAIT counts once, when it starts sleeping; skipped nodes count nothing.
   */
  get steps(): number {
    return this.state.steps;
  }

  /** The node that runs next, is sleeping, or failed; null once nothing is left. */
  get currentNode(): string | null {
    const { final, sleep, frames } = this.state;
    if (final) return final.kind === "failed" ? final.node : null;
    const frame = frames[frames.length - 1];
    const next = sleep?.node ?? frame.ready[0] ?? frame.loopNode;
    return next === null ? null : (this.graph.nodes[next]?.name ?? null);
  }

  /**
   * The outermost loop in an iteration, or null: none is, the job completed, or the loop's node type
   * cannot say. The outermost, because it is the one whose position tells how far the job is; a
   * failed job keeps the position it failed at, as `currentNode` keeps the node.
   */
  get outerLoop(): LoopPosition | null {
    const { final, frames } = this.state;
    const loopNode = frames[1]?.loopNode;
    if (final?.kind === "completed" || !loopNode) return null;
    const type = this.graph.nodes[loopNode]?.type;
    const handler = type !== undefined && Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
    const position = handler?.loopPosition?.(this.graph.nodes[loopNode], frames[1].loop);
    return position ? { node: loopNode, index: position.index, length: position.length } : null;
  }

  get nodeStates(): Record<string, NodeState> {
    return nodeStatesOf(this.graph, this.state);
  }

  /** The node states of a job the runner ended (a cancel, a timeout, the poison-slice rule): nothing left running. */
  nodeStatesEnded(ending: JobEnding): Record<string, NodeState> {
    return nodeStatesOf(this.graph, this.state, ending);
  }

  /** Per node id, how many times it finished (nodes that never finished are absent). */
  get nodeRuns(): Record<string, number> {
    return { ...this.state.runs };
  }

  /**
   * The next step in the node's synchronous form (the compiled plan), when it has one and every
   * expression it needs answers without JSONata: the same outcome as step(), without a promise.
   * Returns null, having changed nothing, when the next step must be taken by step() instead (an
   * async node, an expression JSONata decides, a failure to report, the end of the run).
   */
  stepSync(now: number): StepResult | null {
    const state = this.state;
    if (state.final !== null || state.sleep !== null || state.partial || state.version !== CHECKPOINT_VERSION || this.graph.problems.length > 0) return null;
    const frames = state.frames;
    const top = frames[frames.length - 1];
    const iterationEnded = top.ready.length === 0;
    const id = iterationEnded ? top.loopNode : top.ready[0];
    if (id === null) return null;
    const form = this.plan.sync[id];
    if (!form || (iterationEnded && !form.afterIteration)) return null;
    const context = this.syncContext;
    context.node = this.graph.nodes[id];
    context.now = now;
    let result: NodeResult;
    try {
      result = iterationEnded ? form.afterIteration!(context, top.loop) : form.run(context);
    } catch {
      // step() runs the node again from this same state and reports whatever there is to report.
      return null;
    }
    if (iterationEnded && result.kind !== "done" && result.kind !== "iterate" && result.kind !== "end") return null;
    if (!iterationEnded) top.ready.shift();
    const frame = iterationEnded ? frames[frames.length - 2] : top;
    frame.states[id] = "running";
    state.steps++;
    return this.apply(context.node, frame, result, iterationEnded, now);
  }

  /** Executes at most one node; skipped nodes are propagated for free along the way. */
  async step(now: number): Promise<StepResult> {
    const state = this.state;
    if (state.final) return state.final;
    if (state.version !== CHECKPOINT_VERSION) {
      return this.finish({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: null, message: `Checkpoint version ${state.version} is not supported.` });
    }
    if (this.graph.problems.length > 0) {
      const message = `The flow cannot run: ${this.graph.problems.join(" ")}`;
      return this.finish({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: null, message });
    }
    if (state.sleep) return this.wake(now, state.sleep);

    const frame = state.frames[state.frames.length - 1];
    const next = frame.ready.shift();
    if (next !== undefined) return this.execute(next, frame, now);
    // Nothing left to run in this scope: the flow is over, or a loop iteration is.
    if (frame.loopNode === null) return this.finish({ kind: "completed", output: null });
    return this.execute(frame.loopNode, state.frames[state.frames.length - 2], now);
  }

  /** Runs `id`, a member of `frame`; when `frame` is not the top frame, `id` is the loop whose iteration ended. */
  private async execute(id: string, frame: Frame, now: number): Promise<StepResult> {
    const node = this.graph.nodes[id];
    const iterationEnded = frame !== this.state.frames[this.state.frames.length - 1];
    frame.states[id] = "running";
    this.state.steps++;
    const partial = this.state.partial;
    const resumed = partial && partial.node === id ? { output: this.state.context[node.name], progress: partial.progress } : undefined;
    if (partial) this.state.partial = null;
    let result: NodeResult;
    try {
      result = await this.callHandler(node, iterationEnded, now, resumed);
    } catch (error) {
      // A failure the flow author can act on ends the job now. Anything else (a platform error, a
      // stack overflow, a bug) is not the flow's verdict: it leaves the engine, and the runner retries
      // the node from the checkpoint, failing the job only when it keeps happening (poison-slice rule).
      if (!(error instanceof FlowFailure)) {
        frame.states[id] = "error";
        throw new NodeCrashed(node, error);
      }
      return this.fail(node, frame, error.message);
    }
    if (iterationEnded && result.kind !== "done" && result.kind !== "iterate" && result.kind !== "end") {
      return this.fail(node, frame, `a loop node can only iterate or finish when an iteration ends, not ${result.kind}`);
    }
    return this.apply(node, frame, result, iterationEnded, now);
  }

  private callHandler(node: FlowNode, iterationEnded: boolean, now: number, resumed: NodeContext["resumed"]): Promise<NodeResult> {
    const handler = Object.hasOwn(this.handlers, node.type) ? this.handlers[node.type] : undefined;
    if (!handler) {
      throw new FlowFailure(`unknown node type; known types are ${Object.keys(this.handlers).join(", ")}`);
    }
    const context: NodeContext = {
      node,
      definition: this.definition,
      job: this.job,
      now,
      services: this.services,
      values: this.state.context,
      evaluate: (expression, field, scope) =>
        evaluateExpression(expression, field, scope ? { ...this.state.context, ...scope } : this.state.context, this.bindings),
      resumed,
    };
    if (!iterationEnded) return handler.run(context);
    if (!handler.afterIteration) throw new FlowFailure("this node type cannot loop");
    const frames = this.state.frames;
    return handler.afterIteration(context, frames[frames.length - 1].loop);
  }

  private apply(node: FlowNode, frame: Frame, result: NodeResult, iterationEnded: boolean, now: number): StepResult {
    const { context, frames } = this.state;
    switch (result.kind) {
      case "done":
        context[node.name] = result.output;
        if (result.vars) Object.assign(context.vars, result.vars);
        if (iterationEnded) this.closeLoop(node.id, frame);
        this.finished(frame, node.id, result.ports ?? DEFAULT_PORTS);
        return RAN;
      case "iterate": {
        if (!this.graph.scopes.has(node.id)) return this.fail(node, frame, "only loop nodes can iterate");
        context[node.name] = result.output;
        // Each iteration starts the body afresh; earlier outputs stay visible until overwritten.
        if (iterationEnded) frames.pop();
        frames.push(openFrame(this.graph, node.id, result.loop));
        return RAN;
      }
      case "partial":
        // First in its frame again, so nothing else runs before it continues (its state stays "running").
        context[node.name] = result.output;
        this.state.partial = { node: node.id, progress: result.progress };
        frame.ready.unshift(node.id);
        return RAN;
      case "sleep":
        if (result.until <= now) {
          context[node.name] = result.output;
          this.finished(frame, node.id, DEFAULT_PORTS);
          return RAN;
        }
        this.state.sleep = { node: node.id, until: result.until, output: result.output };
        return { kind: "sleeping", until: result.until };
      case "end":
        context[node.name] = result.output;
        frame.states[node.id] = "done";
        this.countRun(node.id);
        return this.finish({ kind: "completed", output: result.output });
      case "invalid-input": {
        frame.states[node.id] = "error";
        const listed = result.problems.slice(0, LISTED_PROBLEMS).join("; ");
        const more = result.problems.length > LISTED_PROBLEMS ? `; and ${result.problems.length - LISTED_PROBLEMS} more` : "";
        const message = `The input does not match the flow's inputSchema: ${listed}${more}`;
        return this.finish({ kind: "failed", code: "JOB_VALIDATION_ERROR", node: node.name, message });
      }
    }
  }

  /** Pops the loop's body frame, keeping its node states (and those of loops finished inside it) for the console. */
  private closeLoop(loopNode: string, parent: Frame): void {
    const body = this.state.frames.pop()!;
    Object.assign(parent.finishedLoops, body.finishedLoops);
    parent.finishedLoops[loopNode] = body.states;
  }

  private wake(now: number, sleep: NonNullable<Checkpoint["sleep"]>): StepResult {
    if (now < sleep.until) return { kind: "sleeping", until: sleep.until };
    const frame = this.state.frames[this.state.frames.length - 1];
    this.state.context[this.graph.nodes[sleep.node].name] = sleep.output;
    this.state.sleep = null;
    this.finished(frame, sleep.node, DEFAULT_PORTS);
    return RAN;
  }

  private finished(frame: Frame, id: string, ports: readonly string[]): void {
    finishNode(this.graph, frame, id, ports);
    this.countRun(id);
  }

  private countRun(id: string): void {
    // Checkpoints stored before the counts existed have none: they start counting from here.
    const runs = (this.state.runs ??= {});
    runs[id] = (Object.hasOwn(runs, id) ? runs[id] : 0) + 1;
  }

  /** A runtime failure of `node`: the message says which node, then what went wrong. */
  private fail(node: FlowNode, frame: Frame, problem: string): FinalResult {
    frame.states[node.id] = "error";
    const message = `${node.type} '${node.name}': ${problem}`;
    return this.finish({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: node.name, message });
  }

  private finish(result: FinalResult): FinalResult {
    this.state.final = result;
    return result;
  }
}
