// Runs a flow definition to its end with the engine alone (no Durable Object): collects log lines,
// steps through WAITs by moving the clock, and can resume from a JSON copy of the checkpoint
// every few steps, the way the JobRunner does after an eviction.
import { FlowDefinition, type FlowConnection, type FlowNode } from "../../worker/flow/definition";
import { createCheckpoint, FlowEngine, type EngineServices, type JobRef, type LogLine, type StepResult } from "../../worker/flow/engine";
import type { NodeHandlers } from "../../worker/flow/nodes/index";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";

export const T0 = Date.parse("2030-01-01T00:00:00.000Z");

export interface RunOptions {
  /** The clock at the first step; each sleep moves it to the wake-up time. */
  now?: number;
  job?: JobRef;
  /** Extra node types (test-only handlers) on top of the registry. */
  handlers?: NodeHandlers;
  /** Rebuild the engine from JSON.parse(JSON.stringify(checkpoint)) after every this many steps. */
  resumeEvery?: number;
  /** Host services beyond the log (fetch, signal, loadDecisionTable). */
  services?: Omit<EngineServices, "log">;
  /** Only step(), never the compiled synchronous forms (stepSync) the runner tries first. */
  asyncOnly?: boolean;
}

export interface FlowRun {
  result: Exclude<StepResult, { kind: "ran" } | { kind: "sleeping" }>;
  logs: LogLine[];
  steps: number;
  /** Wake-up times of the sleeps, in order. */
  sleeps: number[];
  /** Steps taken by stepSync (the node's synchronous form), not step(). */
  syncSteps: number;
  engine: FlowEngine;
}

export function engineFor(definition: FlowDefinition, checkpoint: ReturnType<typeof createCheckpoint>, options: RunOptions, logs: LogLine[]) {
  const job = options.job ?? { id: "job-1", attempt: 1 };
  const handlers = { ...NODE_HANDLERS, ...options.handlers };
  return new FlowEngine(definition, checkpoint, job, { ...options.services, log: (line) => logs.push(line) }, handlers);
}

export async function runFlow(definitionJson: unknown, input: unknown, options: RunOptions = {}): Promise<FlowRun> {
  const definition = FlowDefinition.parse(definitionJson);
  const job = options.job ?? { id: "job-1", attempt: 1 };
  const logs: LogLine[] = [];
  const sleeps: number[] = [];
  let now = options.now ?? T0;
  let engine = engineFor(definition, createCheckpoint(definition, input, job), options, logs);
  let syncSteps = 0;
  for (let calls = 1; ; calls++) {
    // As the runner steps: the synchronous form first, step() when it declines.
    const quick = options.asyncOnly ? null : engine.stepSync(now);
    if (quick) syncSteps++;
    const result = quick ?? (await engine.step(now));
    if (result.kind === "completed" || result.kind === "failed") return { result, logs, steps: engine.steps, sleeps, syncSteps, engine };
    if (result.kind === "sleeping") {
      sleeps.push(result.until);
      now = result.until;
    }
    if (options.resumeEvery && calls % options.resumeEvery === 0) {
      // As after an eviction: the definition and the checkpoint both come back from storage.
      const stored = JSON.parse(JSON.stringify(engine.checkpoint));
      engine = engineFor(FlowDefinition.parse(definitionJson), stored, options, logs);
    }
  }
}

/** A node whose name is its id, which keeps test definitions short. */
export function node(id: string, type: string, data?: Record<string, unknown>): FlowNode {
  return data === undefined ? { id, type, name: id } : { id, type, name: id, data };
}

export function edge(source: string, target: string, port?: string): FlowConnection {
  return port === undefined ? { source, target } : { source, target, port };
}

export function flow(nodes: FlowNode[], connections: FlowConnection[], inputSchema?: Record<string, unknown>): FlowDefinition {
  return inputSchema === undefined ? { nodes, connections } : { inputSchema, nodes, connections };
}
