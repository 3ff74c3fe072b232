// A flow version compiled once per isolate and shared by all its jobs there: the definition parsed
// (and frozen, so no job can change what another runs), its graph, and each node's synchronous form
// (NodeHandler.compile), whose expressions are already compiled to fast closures. A job's engine
// only holds its own checkpoint; everything derived from the definition lives here.
import { FlowDefinition } from "./definition";
import { graphOf, type FlowGraph } from "./graph";
import type { SyncForm } from "./nodes/handler";
import type { NodeHandlers } from "./nodes/index";

export interface FlowPlan {
  graph: FlowGraph;
  /** Per node id, its synchronous form, or null when it only runs the async way. */
  sync: Record<string, SyncForm | null>;
}

const plans = new WeakMap<NodeHandlers, WeakMap<FlowDefinition, FlowPlan>>();

/** The plan of `definition` for `handlers`, built on first use (definitions are immutable snapshots). */
export function planOf(definition: FlowDefinition, handlers: NodeHandlers): FlowPlan {
  let byDefinition = plans.get(handlers);
  if (!byDefinition) {
    byDefinition = new WeakMap();
    plans.set(handlers, byDefinition);
  }
  let plan = byDefinition.get(definition);
  if (!plan) {
    plan = buildPlan(definition, handlers);
    byDefinition.set(definition, plan);
  }
  return plan;
}

function buildPlan(definition: FlowDefinition, handlers: NodeHandlers): FlowPlan {
  const graph = graphOf(definition);
  const sync: Record<string, SyncForm | null> = {};
  for (const node of definition.nodes) {
    const handler = Object.hasOwn(handlers, node.type) ? handlers[node.type] : undefined;
    let form: SyncForm | null = null;
    try {
      form = handler?.compile?.(node, definition) ?? null;
    } catch {
      // A node that cannot be compiled runs the async way, which reports what is wrong with it.
      form = null;
    }
    sync[node.id] = form;
  }
  return { graph, sync };
}

/** Parsed definitions by their stored text; bounded so an isolate serving many versions cannot grow it forever. */
const DEFINITION_CACHE_LIMIT = 200;
const definitions = new Map<string, FlowDefinition>();

/**
 * The definition stored as `text` (a runner's init), parsed once per isolate: every job of the same
 * version gets the same frozen object, and so the same plan. Throws as FlowDefinition.parse does.
 */
export function sharedDefinition(text: string): FlowDefinition {
  const cached = definitions.get(text);
  if (cached) {
    // Most recently used last: the first entry is the one to drop.
    definitions.delete(text);
    definitions.set(text, cached);
    return cached;
  }
  const definition = deepFreeze(FlowDefinition.parse(JSON.parse(text)));
  if (definitions.size >= DEFINITION_CACHE_LIMIT) definitions.delete(definitions.keys().next().value!);
  definitions.set(text, definition);
  return definition;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
