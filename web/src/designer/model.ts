// The designer's draft of a flow version, as plain data: the definition being edited and where each
// node sits on the canvas. Every edit is a pure function from one draft to the next, so the canvas,
// the inspector, the keyboard's "Connect to" and the tests all change a flow the same way. The
// definition part is exactly what Save sends (DESIGN.md §6); positions stay in the browser.
import type { FlowConnection, FlowDefinition, FlowNode } from "../api/types";
import { layoutFlow } from "../lib/graph-layout";
import { hasInput, portsOf } from "../lib/node-ports";

export interface Position {
  x: number;
  y: number;
}

export interface Draft {
  definition: FlowDefinition;
  positions: Record<string, Position>;
}

/** What a node of each type starts with when it is dropped from the palette: the fields it needs, filled so a save can pass. */
const STARTING_DATA: Record<string, Record<string, unknown> | undefined> = {
  START: undefined,
  END: { output: "{}" },
  ASSIGN: { vars: {} },
  SWITCH: { cases: [{ when: "true", port: "yes" }] },
  FOREACH: { items: "[]" },
  LOG: { message: "'hello'" },
  WAIT: { seconds: "1" },
  BUSINESS_RULE: { rule: "", version: "latest", input: "input" },
  REST_API: { url: "'https://example.com'" },
  DATABASE_QUERY: { connector: "", sql: "SELECT 1" },
  DATABASE_ROW: { connector: "", sql: "SELECT 1" },
  DATABASE_EXECUTE: { connector: "", sql: "SELECT 1" },
  CODE: { code: "return context.input;" },
};

/** A new flow: START connected to END. */
export function newFlowDefinition(): FlowDefinition {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "end", type: "END", name: "end", data: { output: "input" } },
    ],
    connections: [{ source: "start", target: "end" }],
  };
}

/** The draft of a stored definition, laid out top to bottom. */
export function draftOf(definition: FlowDefinition): Draft {
  const copy = structuredClone(definition);
  return { definition: copy, positions: arranged(copy) };
}

/** Positions from the automatic layout (dagre), by node id. */
export function arranged(definition: FlowDefinition): Record<string, Position> {
  const positions: Record<string, Position> = {};
  for (const node of layoutFlow(definition).nodes) positions[node.id] = { x: node.x, y: node.y };
  return positions;
}

/** The first of `base`, `base-2`, `base-3`, … not in `taken`. */
function unique(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A node of `type` added at `at` (below the lowest node when not given); ids and names stay unique. Returns the draft and the new node's id. */
export function addNode(draft: Draft, type: string, at?: Position): { draft: Draft; id: string } {
  const base = type.toLowerCase().replaceAll("_", "-");
  const id = unique(base, new Set(draft.definition.nodes.map((node) => node.id)));
  const name = unique(base, new Set(draft.definition.nodes.map((node) => node.name)));
  const data = STARTING_DATA[type];
  const node: FlowNode = data === undefined ? { id, type, name } : { id, type, name, data: structuredClone(data) };
  const lowest = Math.max(0, ...Object.values(draft.positions).map((position) => position.y + 90));
  const position = at ?? { x: 40, y: lowest };
  return {
    draft: { definition: { ...draft.definition, nodes: [...draft.definition.nodes, node] }, positions: { ...draft.positions, [id]: position } },
    id,
  };
}

/** The node's name and data replaced (the inspector's edits); a data field set to undefined is removed. */
export function updateNode(draft: Draft, id: string, patch: { name?: string; data?: Record<string, unknown> }): Draft {
  const nodes = draft.definition.nodes.map((node) => {
    if (node.id !== id) return node;
    const next: FlowNode = { ...node, ...(patch.name !== undefined ? { name: patch.name } : {}) };
    if (patch.data !== undefined) {
      const data = Object.fromEntries(Object.entries(patch.data).filter(([, value]) => value !== undefined));
      if (Object.keys(data).length === 0 && node.data === undefined) delete next.data;
      else next.data = data;
    }
    return next;
  });
  // Ports a node no longer has (a SWITCH case removed) lose their connections.
  const updated = nodes.find((node) => node.id === id);
  const ports = updated ? new Set(portsOf(updated.type, updated.data)) : new Set<string>();
  const connections = draft.definition.connections.filter((connection) => connection.source !== id || ports.has(connection.port ?? "default"));
  return { ...draft, definition: { ...draft.definition, nodes, connections } };
}

export function moveNode(draft: Draft, id: string, position: Position): Draft {
  return { ...draft, positions: { ...draft.positions, [id]: position } };
}

/** Why `source`'s `port` cannot connect to `target`, or null when it can. */
export function connectionProblem(definition: FlowDefinition, source: string, port: string, target: string): string | null {
  const from = definition.nodes.find((node) => node.id === source);
  const to = definition.nodes.find((node) => node.id === target);
  if (!from || !to) return "both nodes must exist";
  if (source === target) return "a node cannot connect to itself";
  if (!portsOf(from.type, from.data).includes(port)) return `${from.name} has no port '${port}'`;
  if (!hasInput(to.type)) return `${to.name} (${to.type}) takes no incoming connection`;
  if (definition.connections.some((connection) => connection.source === source && (connection.port ?? "default") === port && connection.target === target)) {
    return "that connection exists already";
  }
  return null;
}

/** The connection added (port "default" is stored without `port`, as the API writes it). */
export function connect(draft: Draft, source: string, port: string, target: string): Draft {
  if (connectionProblem(draft.definition, source, port, target) !== null) return draft;
  const connection: FlowConnection = port === "default" ? { source, target } : { source, target, port };
  return { ...draft, definition: { ...draft.definition, connections: [...draft.definition.connections, connection] } };
}

/** The canvas's id for a connection: source, port and target. */
export function connectionId(connection: FlowConnection): string {
  return `${connection.source}:${connection.port ?? "default"}->${connection.target}`;
}

export function removeConnections(draft: Draft, ids: Set<string>): Draft {
  const connections = draft.definition.connections.filter((connection) => !ids.has(connectionId(connection)));
  return { ...draft, definition: { ...draft.definition, connections } };
}

/** The nodes removed with every connection to or from them. */
export function removeNodes(draft: Draft, ids: Set<string>): Draft {
  const nodes = draft.definition.nodes.filter((node) => !ids.has(node.id));
  const connections = draft.definition.connections.filter((connection) => !ids.has(connection.source) && !ids.has(connection.target));
  const positions = Object.fromEntries(Object.entries(draft.positions).filter(([id]) => !ids.has(id)));
  return { definition: { ...draft.definition, nodes, connections }, positions };
}

export interface PlacedErrors {
  /** By node id: messages about the node as a whole (`field` "") or one of its fields ("name", "url", "assign.total"). */
  nodes: Record<string, { field: string; message: string }[]>;
  /** By connection id. */
  connections: Record<string, string[]>;
  /** Everything else (the definition as a whole, inputSchema, an unknown node). */
  other: { path: string; message: string }[];
}

const NODE_PATH = /^definition\.nodes\[(.+?)\](?:\.(data)\.?(.*)|\.(name|type|id))?$/;
const CONNECTION_PATH = /^definition\.connections\[(\d+)\]/;

/**
 * A 422's `errors[]` placed where they belong: `definition.nodes[<name>].data.<field>` on the node of
 * that name (worker/rules/paths.ts names nodes by name) and its field, `definition.connections[i]`
 * on that connection, the rest in `other`.
 */
export function placeErrors(definition: FlowDefinition, errors: { path: string; message: string }[]): PlacedErrors {
  const placed: PlacedErrors = { nodes: {}, connections: {}, other: [] };
  for (const error of errors) {
    const node = NODE_PATH.exec(error.path);
    if (node) {
      const target = definition.nodes.find((candidate) => candidate.name === node[1]) ?? definition.nodes.find((candidate) => candidate.id === node[1]);
      if (target) {
        const field = node[2] ? node[3] ?? "" : node[4] ?? "";
        (placed.nodes[target.id] ??= []).push({ field, message: error.message });
        continue;
      }
    }
    const connection = CONNECTION_PATH.exec(error.path);
    if (connection && definition.connections[Number(connection[1])]) {
      (placed.connections[connectionId(definition.connections[Number(connection[1])])] ??= []).push(error.message);
      continue;
    }
    placed.other.push(error);
  }
  return placed;
}

/** The draft and what was saved differ (what Save would change). */
export function isDirty(draft: Draft, saved: FlowDefinition): boolean {
  return JSON.stringify(draft.definition) !== JSON.stringify(saved);
}
