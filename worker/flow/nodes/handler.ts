// The contract between the engine and a node type. A handler reads its node's `data`, evaluates
// expressions through the context, and says what happened; the engine owns all state changes, so
// handlers stay free of checkpoint details and a new node type is one file plus a registry line.
import type { z } from "zod";
import type { ConnectorType } from "../../connectors/types";
import type { FlowDefinition, FlowNode } from "../definition";
import { fastFormOf } from "../expressions";
import { FlowFailure } from "../failure";
import type { FastExpression } from "../fast-expressions";
import type { EngineServices, JobRef } from "../services";

export interface NodeContext {
  node: FlowNode;
  definition: FlowDefinition;
  job: JobRef;
  /** The step's clock (epoch ms), so time-based nodes are deterministic in tests. */
  now: number;
  /** Log, abort signal, fetch, decision tables (BUSINESS_RULE). */
  services: EngineServices;
  /** What expressions see: `input`, `vars`, node outputs by name. Read only: return changes instead (FOREACH appending to its own `results` is the one, documented, exception). */
  values: Readonly<Record<string, unknown>>;
  /**
   * Evaluates a JSONata expression over `values` (plain JSON result); `field` names it in errors, e.g.
   * "assign.total". `scope` lays values over the context for this evaluation only (REST_API's
   * `<name>.item`, one per request in flight, so nothing shared is changed).
   */
  evaluate(expression: string, field: string, scope?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** When the node returned `partial` last time (in this or an earlier slice): the output it kept and its progress. */
  resumed?: { output: unknown; progress: unknown };
}

/**
 * What a node's synchronous form (see NodeHandler.compile) sees. The engine keeps one per job and
 * refills it for each step, so a synchronous step allocates no context.
 */
export interface SyncContext {
  node: FlowNode;
  definition: FlowDefinition;
  now: number;
  services: EngineServices;
  values: Readonly<Record<string, unknown>>;
  /** A compiled expression's answer as plain JSON; throws when JSONata must decide (the engine then runs the async form). */
  evaluate(fast: FastExpression): unknown;
}

/** A node compiled once per flow version: runs without awaiting anything, or throws to say the async form must run. */
export interface SyncForm {
  run(context: SyncContext): NodeResult;
  afterIteration?(context: SyncContext, loop: unknown): NodeResult;
}

export type NodeResult =
  /** Finished: `output` is stored under the node's name; `ports` are taken (default: ["default"]). */
  | { kind: "done"; output: unknown; ports?: string[]; vars?: Record<string, unknown> }
  /** A durable sleep until `until` (epoch ms); then the node finishes with `output` on the default port. */
  | { kind: "sleep"; until: number; output: unknown }
  /** The job completes now with `output`, whatever else is pending. */
  | { kind: "end"; output: unknown }
  /** Loop nodes only: run the body (port `loop`) once more; `loop` is the JSON progress handed back to afterIteration. */
  | { kind: "iterate"; output: unknown; loop: unknown }
  /**
   * Not finished, part-way (EngineServices.sliceSpent): `output` is kept under the node's name and
   * the node runs again next, given it and `progress` (small JSON, in the checkpoint's core) as
   * `resumed`. `output` may be the same object as last time, grown: arrays in it that only grow
   * are saved by their new elements alone.
   */
  | { kind: "partial"; output: unknown; progress: unknown }
  /** The job input is rejected: the job fails with JOB_VALIDATION_ERROR. */
  | { kind: "invalid-input"; problems: string[] };

export interface NodeHandler {
  /** The schema of the node's `data`; save-time validation checks it too, so a bad field is refused before any job runs. */
  dataSchema?: z.ZodType;
  // `data` below is what `dataSchema` parsed; `never` lets each node type declare its own data type.
  /** The JSONata expressions in parsed `data`, by field path (e.g. "headers.accept"), so save-time validation can compile them. */
  expressions?(data: never): Iterable<[field: string, expression: string]>;
  /** The connectors parsed `data` names, by field, with the type each must be; save-time validation checks the space has them. */
  connectors?(data: never): Iterable<[field: string, alias: string, type: ConnectorType]>;
  /** Save-time checks of parsed `data` that must be awaited (CODE compiles its code in the sandbox), each naming its field. */
  check?(data: never): Promise<{ field: string; message: string }[]>;
  /** The out-ports the node can take, given parsed `data` (default: ["default"]); connections from other ports are refused on save. */
  ports?(data: never): string[];
  /** Runs the node once its incoming connections allow. Throwing fails the job, naming the node (throw FlowFailure for the author's mistakes). */
  run(context: NodeContext): Promise<NodeResult>;
  /** Loop nodes only: called when nothing is left to run in the body; returns `iterate` or `done`. */
  afterIteration?(context: NodeContext, loop: unknown): Promise<NodeResult>;
  /**
   * Loop nodes only: where an iteration is, read from the progress its `iterate` returned (the
   * console's progress bar). `index` is the iteration's index as the body sees it; `length` how many
   * iterations there will be, or null when that is not known before the loop ends.
   */
  loopPosition?(node: FlowNode, loop: unknown): { index: number; length: number | null };
  /**
   * The node's synchronous form, built once per flow version for the compiled plan (plan.ts), or
   * null when it has none (an expression without a fast form, data that does not parse). The engine
   * runs it when it can and falls back to `run`/`afterIteration` whenever it throws, from the same
   * state: so it must change nothing (no log line, no append) before it can no longer throw, and give
   * exactly the result the async form would.
   */
  compile?(node: FlowNode, definition: FlowDefinition): SyncForm | null;
}

/** The fast forms of an object of expressions (`assign`, `vars`), as [key, form] pairs; null if any has none. */
export function fastFormsOf(expressions: Record<string, string> | undefined): [string, FastExpression][] | null {
  const forms: [string, FastExpression][] = [];
  for (const [key, expression] of Object.entries(expressions ?? {})) {
    const fast = fastFormOf(expression);
    if (!fast) return null;
    forms.push([key, fast]);
  }
  return forms;
}

/** The node's data parsed with `schema`, or null where it does not parse (its async form reports why). */
export function parsedOrNull<Schema extends z.ZodType>(node: FlowNode, schema: Schema): z.infer<Schema> | null {
  try {
    return parseNodeData(node, schema);
  } catch {
    return null;
  }
}

/** Yields each `[field, expression]` of an object of expressions (`assign`, `headers`, …), prefixed by its field. */
export function* expressionsIn(prefix: string, expressions: Record<string, string> | undefined): Iterable<[string, string]> {
  for (const [key, expression] of Object.entries(expressions ?? {})) yield [`${prefix}.${key}`, expression];
}

/** Parsed `data` per schema and node; definitions are immutable, so each node's data is parsed once per isolate. */
const parsedData = new WeakMap<z.ZodType, WeakMap<FlowNode, unknown>>();

/** The node's `data` parsed with the node type's schema, or an error listing each bad field. */
export function parseNodeData<Schema extends z.ZodType>(node: FlowNode, schema: Schema): z.infer<Schema> {
  let byNode = parsedData.get(schema);
  if (!byNode) {
    byNode = new WeakMap();
    parsedData.set(schema, byNode);
  }
  if (byNode.has(node)) return byNode.get(node) as z.infer<Schema>;
  const parsed = schema.safeParse(node.data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${["data", ...issue.path.map(String)].join(".")}: ${issue.message}`);
    throw new FlowFailure(`invalid node data: ${problems.join("; ")}`);
  }
  byNode.set(node, parsed.data);
  return parsed.data;
}

/** A short description of a value's JSON kind for error messages ("a string", "null", …). */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
