// The contract between the engine and a node type. A node type is one file exporting a
// NodeHandler; the registry in ./index.ts maps the type name to it.
import type { z } from "zod";
import type { FlowNode } from "../definition";

export interface JobRef {
  id: string;
  attempt: number;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  node: string | null;
  message: string;
  data?: unknown;
}

export interface EngineServices {
  log(line: LogLine): void;
  /** Aborted when the job is canceled: node types doing I/O pass it on. */
  readonly signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** What a node sees while it runs. */
export interface NodeContext {
  node: FlowNode;
  job: JobRef;
  now: number;
  services: EngineServices;
  /** The expression context: `{ input, vars, <node name>: output, … }`. */
  scope: Record<string, unknown>;
  /** Evaluates a JSONata expression; `field` names it in the error a user sees. */
  evaluate(expression: string, field: string): Promise<unknown>;
  /** Parses the node's `data` with the node type's schema, or fails the node naming the field. */
  data<T>(schema: z.ZodType<T>): T;
  log(level: LogLine["level"], message: string, data?: unknown): void;
}

/** The loop state a FOREACH keeps in the checkpoint while its body runs. */
export interface LoopState {
  items: unknown[] | null;
  index: number;
  length: number | null;
  limit: number | null;
  results: unknown[];
}

export type NodeOutcome =
  /** Finished: `output` is addressable by the node's name; `ports` are taken (default: "default"). */
  | { kind: "done"; output: unknown; ports?: string[]; vars?: Record<string, unknown> }
  /** Durable sleep until `until` (epoch ms); the node finishes when it wakes. */
  | { kind: "sleep"; until: number }
  /** The job ends now with this output. */
  | { kind: "end"; output: unknown }
  /** Enter a loop body with this state (FOREACH). */
  | { kind: "loop"; loop: LoopState };

export interface NodeHandler {
  run(context: NodeContext): Promise<NodeOutcome>;
  /** Loop nodes only: called after each iteration; true when another iteration starts. */
  nextIteration?(context: NodeContext, loop: LoopState): Promise<boolean>;
  /** Loop nodes only: the node's output while it loops, and once `finished`. */
  loopOutput?(loop: LoopState, finished: boolean): unknown;
}

/** A failure the user can act on; the engine prefixes it with the node's type and name. */
export class NodeFailure extends Error {}

/** The input did not match the flow's inputSchema: the job ends JOB_VALIDATION_ERROR. */
export class InputRejected extends Error {}
