// Save-time check of what a flow's nodes name in its space: BUSINESS_RULE a decision table and a
// version it has; any node with a `connectors` hook (DATABASE_*, REST_API) a connector of the type it
// needs. Pure, like the other checks: the rules service looks the named rules and connectors up and passes them in.
import type { ConnectorType } from "../connectors/types";
import type { FlowDefinition, FlowNode } from "../flow/definition";
import { BusinessRuleData } from "../flow/nodes/business-rule";
import { NODE_HANDLERS } from "../flow/nodes/index";
import type { FieldError } from "../errors";
import { nodePath } from "./paths";
import type { RuleType } from "./validate";

/** What the check needs to know of a rule of the space. */
export interface KnownRule {
  id: string;
  alias: string | null;
  type: RuleType;
  latestVersion: number;
}

/** The space's rules a definition names, by id and by alias (a node may use either). */
export type KnownRules = ReadonlyMap<string, KnownRule>;

export const NO_RULES: KnownRules = new Map();

/** Ids and aliases are at most 64 characters: a longer name cannot match, so it is never looked up. */
const LONGEST_REFERENCE = 128;

/**
 * The rule names the BUSINESS_RULE nodes of an unvalidated definition use, for the service to look
 * up before validation. Tolerant of any shape: what is not a node with a string `rule` is left to validation.
 */
export function referencedRules(definition: unknown): string[] {
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  const names = new Set<string>();
  for (const node of nodes) {
    if ((node as { type?: unknown } | null)?.type !== "BUSINESS_RULE") continue;
    const rule = (node as { data?: { rule?: unknown } }).data?.rule;
    if (typeof rule === "string" && rule.length > 0 && rule.length <= LONGEST_REFERENCE) names.add(rule);
  }
  return [...names];
}

export function checkReferences(definition: FlowDefinition, rules: KnownRules): FieldError[] {
  const errors: FieldError[] = [];
  for (const node of definition.nodes) {
    if (node.type !== "BUSINESS_RULE") continue;
    // Data that does not parse is already reported by the node's own check.
    const data = BusinessRuleData.safeParse(node.data ?? {});
    if (!data.success) continue;
    const { rule: name, version } = data.data;
    const path = `${nodePath(node.name)}.data`;
    const rule = rules.get(name);
    if (!rule) {
      errors.push({ path: `${path}.rule`, message: `is '${name}', but no rule of this space has that id or alias; save the decision table first` });
    } else if (rule.type !== "decision-table") {
      errors.push({ path: `${path}.rule`, message: `is '${name}', ${rule.type === "decision-flow" ? "a decision flow" : "an integration flow"}; a BUSINESS_RULE evaluates a decision table` });
    } else if (version !== "latest" && version > rule.latestVersion) {
      const versions = rule.latestVersion === 1 ? "only version 1" : `versions 1 to ${rule.latestVersion}`;
      errors.push({ path: `${path}.version`, message: `is ${version}, but decision table '${name}' has ${versions}` });
    }
  }
  return errors;
}

/** The space's connectors a definition names: alias → type. */
export type KnownConnectors = ReadonlyMap<string, ConnectorType>;

export const NO_CONNECTORS: KnownConnectors = new Map();

/** The connectors a node's parsed data names, through its type's `connectors` hook; none when its type or data is broken (reported elsewhere). */
function* connectorsOf(node: Partial<FlowNode>): Iterable<[field: string, alias: string, type: ConnectorType]> {
  const handler = typeof node.type === "string" && Object.hasOwn(NODE_HANDLERS, node.type) ? NODE_HANDLERS[node.type] : undefined;
  if (!handler?.connectors || !handler.dataSchema) return;
  const data = handler.dataSchema.safeParse(node.data ?? {});
  if (data.success) yield* handler.connectors(data.data as never);
}

/** The connector aliases an unvalidated definition's nodes name, for the service to look up before validation. */
export function referencedConnectors(definition: unknown): string[] {
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  const aliases = new Set<string>();
  for (const node of nodes) {
    if (typeof node !== "object" || node === null) continue;
    for (const [, alias] of connectorsOf(node as Partial<FlowNode>)) {
      if (alias.length > 0 && alias.length <= LONGEST_REFERENCE) aliases.add(alias);
    }
  }
  return [...aliases];
}

export function checkConnectorReferences(definition: FlowDefinition, connectors: KnownConnectors): FieldError[] {
  const errors: FieldError[] = [];
  for (const node of definition.nodes) {
    for (const [field, alias, type] of connectorsOf(node)) {
      const path = `${nodePath(node.name)}.data.${field}`;
      const found = connectors.get(alias);
      if (!found) {
        errors.push({ path, message: `is '${alias}', but this space has no connector with that alias; create ${withArticle(type)} connector '${alias}' first` });
      } else if (found !== type) {
        errors.push({ path, message: `is '${alias}', ${withArticle(found)} connector; this node needs ${withArticle(type)} connector` });
      }
    }
  }
  return errors;
}

/** "a postgres", "an http". */
function withArticle(type: ConnectorType): string {
  return `${type === "http" ? "an" : "a"} ${type}`;
}
