// How the OpenAPI document describes a rule's `definition`: a flow's nodes as a union on `type` of the
// very `data` schemas the nodes parse and the save checks (flow/nodes/*), and the decision table.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { DecisionTable } from "../decisions/table";
import { FlowConnection, FlowDefinition, FlowNode } from "../flow/definition";
import { JsonSchema } from "../flow/json-schema";
import type { NodeHandler } from "../flow/nodes/handler";
import { NODE_HANDLERS } from "../flow/nodes/index";
import { NODE_LIMIT } from "../rules/validate";

/** What each node type does, with its ports and output: what the schema of its `data` cannot say. */
const NODE_DESCRIPTIONS: Record<string, string> = {
  START:
    "The entry of every flow (exactly one). Checks the job input against the definition's `inputSchema`. No data. Port `default`. Output: the job input.",
  ASSIGN:
    "Computes `assign` (expressions) into its output and `vars` (expressions) into the flow variables; all are evaluated before any is set. Port `default`. Output: `{ <key>: value }` of `assign`.",
  LOG: "Writes `message` (an expression) to the job log at `level`. Port `default`. Output: `{ message }`.",
  WAIT: "A durable sleep until `until` (an expression giving an ISO time) or for `seconds` (an expression); exactly one of the two. Port `default`. Output: `{ sleptUntil }`.",
  FOREACH:
    "Runs its body (everything port `loop` leads to) once per item of `items`, or while `while` holds (exactly one of the two), at most `maxIterations` times; `collect` is appended to `results` after each iteration. When nothing is left to run in the body, the loop runs again. Ports `loop` and `done`. Output: `{ currentItem, index, length, results }`.",
  END: "Completes the job with `output` (an expression; without it the output is null), whatever else is still waiting.",
  SWITCH:
    "Takes the port of the first case whose `when` holds (`mode: first`) or of every such case (`mode: all`); port `default` when none holds. Ports: each case's `port` and `default`. Output: `{ ports }`.",
  BUSINESS_RULE:
    "Evaluates a published decision table of the same space (`rule`: id or alias; `version`: a number or `latest` published) over `input` (an expression). Port `default`. Output: the table's result.",
  CODE: "Runs `code`, the body of a JavaScript function `(context) => value` (`context`: what expressions see, as a copy), in a QuickJS sandbox: no network, timers or host objects, 32 MiB of memory, a CPU budget of `timeoutMs` (10,000 branches and calls per ms); `console.*` writes job log lines. Port `default`. Output: the JSON value returned (`undefined` is null).",
  REST_API:
    "Calls an HTTP endpoint (`url`, `headers` and `body` are expressions); network errors, timeouts, 5xx and 429 are retried `retries` times. Port `default`. Output: `{ status, ok, headers, data }`.",
  DATABASE_QUERY:
    "Runs `sql` (one statement, `$1…$n` bound from the `params` expressions) on the `postgres` connector `connector`. Without a `loop` connection: port `default`, output `{ rows, count }` (at most 10,000 rows). With one it loops like FOREACH, once per row, reading `batchSize` rows a page (`SELECT * FROM (sql) LIMIT … OFFSET …`: ORDER BY a unique key): output `{ currentRow, index, count }`, ports `loop` and `done`. Passing failures are retried `retries` times.",
  DATABASE_ROW:
    "Runs `sql` (`$1…$n` bound from `params`) on the `postgres` connector `connector` and reads its first row. Port `default`. Output: `{ row }`, `null` when there is none.",
  DATABASE_EXECUTE:
    "Runs `sql` on the `postgres` connector `connector` once with `params`, or once per parameter array of `rows` (an expression) in one transaction. Port `default`. Output: `{ rowCount }`.",
};

/** `REST_API` → `RestApiNode`: component names in the document's own style. */
function componentName(type: string): string {
  return `${type
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("")}Node`;
}

function nodeSchema(type: string, handler: NodeHandler) {
  // START takes no data; whatever it is given is ignored.
  const data = handler.dataSchema ?? z.object({});
  // A type whose every field may be left out accepts a node without `data`.
  const dataRequired = !data.safeParse({}).success;
  return z
    .object({
      id: FlowNode.shape.id.openapi({ description: "Unique in the flow; connections refer to it." }),
      type: z.literal(type),
      name: FlowNode.shape.name.openapi({
        description: "Unique in the flow; expressions see the node's output under it, errors name the node by it. Not `input` or `vars`.",
      }),
      data: dataRequired ? data : data.optional(),
    })
    .openapi(componentName(type), { description: NODE_DESCRIPTIONS[type] ?? `A ${type} node.` });
}

const nodeTypes = Object.entries(NODE_HANDLERS).map(([type, handler]) => nodeSchema(type, handler));

export const FlowNodeDocumented = z
  .discriminatedUnion("type", nodeTypes as [(typeof nodeTypes)[number], ...(typeof nodeTypes)[number][]])
  .openapi("FlowNode", { description: "A node of an integration flow; `type` decides the fields of `data`." });

const FlowConnectionDocumented = FlowConnection.openapi("FlowConnection", {
  description: "Leads from `source` to `target` (node ids), from the source's out-port `port` (default: `default`).",
});

export const IntegrationFlowDefinition = z
  .object({
    inputSchema: JsonSchema.openapi("InputSchema", {
      description:
        "A JSON Schema (draft 2020-12) checked against the job input by START; a failing input ends the job ERROR / JOB_VALIDATION_ERROR listing each failing path. Checked itself when saved: it must pass the draft's meta-schema, every $ref must point into the schema ($defs, $anchor, $id: nothing is fetched) and $dynamicRef is not supported.",
    }).optional(),
    maxDurationSeconds: FlowDefinition.shape.maxDurationSeconds.openapi({
      description: "Wall time since the job started (WAITs included) after which it ends ERROR / JOB_TIMEOUT.",
    }),
    nodes: z.array(FlowNodeDocumented).max(NODE_LIMIT),
    connections: z.array(FlowConnectionDocumented),
  })
  .openapi("IntegrationFlowDefinition", { description: "The definition of a rule of type `integration-flow` (docs/flows.md)." });

export const DecisionTableDefinition = DecisionTable.openapi("DecisionTableDefinition", {
  description: "The definition of a rule of type `decision-table` (docs/decision-tables.md).",
});

const SCHEMA_REF = "#/components/schemas/";

/**
 * A rule's `definition` in requests and answers. Documentation only: it parses as anything, because
 * the rules service validates the definition against the rule's type and answers every problem at
 * once, each naming the node (422 invalid-definition, worker/rules/validate.ts); a request schema
 * refusing the body earlier would answer a generic error instead.
 */
export const RuleDefinition = z.unknown().openapi({
  description:
    "An IntegrationFlowDefinition for a rule of type `integration-flow` or `decision-flow` (the same definition; a decision flow has no WAIT node), a DecisionTableDefinition for a `decision-table`. Checked when saved: every problem is one entry of the 422 invalid-definition answer's `errors`.",
  oneOf: [{ $ref: `${SCHEMA_REF}IntegrationFlowDefinition` }, { $ref: `${SCHEMA_REF}DecisionTableDefinition` }],
});

/** Puts the two definitions (and the schemas they name) into `app`'s document, which RuleDefinition refers to. */
export function registerRuleDefinitions(registry: OpenAPIHono["openAPIRegistry"]): void {
  registry.register("IntegrationFlowDefinition", IntegrationFlowDefinition);
  registry.register("DecisionTableDefinition", DecisionTableDefinition);
}
