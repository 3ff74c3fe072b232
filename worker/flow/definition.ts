// The shape of an Integration Flow definition (DESIGN.md §6). Node `data` stays loose here: each
// node type parses its own `data` when it runs, so a bad field fails that node with a clear message.
import { z } from "zod";

export const FlowNode = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  name: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type FlowNode = z.infer<typeof FlowNode>;

export const FlowConnection = z.object({
  source: z.string().min(1),
  target: z.string().min(1),
  /** Out-port of the source; a missing port is the default port. */
  port: z.string().min(1).optional(),
});
export type FlowConnection = z.infer<typeof FlowConnection>;

export const FlowDefinition = z.object({
  /** JSON Schema (draft 2020-12) checked against the job input by the START node (json-schema.ts). */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Wall time since the job started (WAITs included) after which it ends ERROR / JOB_TIMEOUT. */
  maxDurationSeconds: z.number().int().min(1).max(366 * 24 * 3600).optional(),
  nodes: z.array(FlowNode),
  connections: z.array(FlowConnection),
});
export type FlowDefinition = z.infer<typeof FlowDefinition>;

/** The port most nodes take when they finish; connections without a port leave from it. */
export const DEFAULT_PORT = "default";
/** FOREACH ports: `loop` leads into the body, `done` continues after the last iteration. */
export const LOOP_PORT = "loop";
export const DONE_PORT = "done";

/** Node types whose `loop` port opens a body that runs once per iteration in its own frame (DATABASE_QUERY: once per row). */
export const LOOP_NODE_TYPES: ReadonlySet<string> = new Set(["FOREACH", "DATABASE_QUERY"]);
