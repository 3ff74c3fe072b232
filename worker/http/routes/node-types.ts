// Node types API: what the console's flow designer draws its palette and inspector from — every node
// type the save accepts, grouped as the palette shows them, each with the JSON Schema of its `data`
// generated from the very zod schema the save and the node validate with (flow/nodes/*).
import { createRoute, z } from "@hono/zod-openapi";
import type { NodeHandler } from "../../flow/nodes/handler";
import { NODE_HANDLERS } from "../../flow/nodes/index";
import { requireKey } from "../auth";
import { router } from "../context";
import { json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];

export const NODE_TYPE_GROUPS = ["basic", "rules", "data", "advanced"] as const;
export type NodeTypeGroup = (typeof NODE_TYPE_GROUPS)[number];

const GROUP_LABELS: Record<NodeTypeGroup, string> = {
  basic: "Basic",
  rules: "Rules",
  data: "Data & integrations",
  advanced: "Advanced",
};

/** The palette, in order. A node type missing here is missing from the designer (test/http/node-types.test.ts). */
const PALETTE: readonly { type: string; group: NodeTypeGroup; label: string; description: string }[] = [
  { type: "START", group: "basic", label: "Start", description: "Where the flow begins; checks the job input against the flow's input schema." },
  { type: "END", group: "basic", label: "End", description: "Completes the job with its output." },
  { type: "ASSIGN", group: "basic", label: "Assign", description: "Computes values into its output and into the flow variables." },
  { type: "SWITCH", group: "basic", label: "Switch", description: "Takes the port of the first (or every) case whose condition holds, else default." },
  { type: "FOREACH", group: "basic", label: "For each", description: "Runs its loop body once per item, or while a condition holds, then continues on done." },
  { type: "LOG", group: "basic", label: "Log", description: "Writes a line to the job log." },
  { type: "WAIT", group: "basic", label: "Wait", description: "Sleeps for some seconds or until a time, without being billed." },
  { type: "BUSINESS_RULE", group: "rules", label: "Business rule", description: "Evaluates a published decision table of the space." },
  { type: "REST_API", group: "data", label: "REST API", description: "Calls an HTTP endpoint, once or once per item." },
  { type: "DATABASE_QUERY", group: "data", label: "Database query", description: "Runs a SELECT on a postgres connector; with a loop, row by row." },
  { type: "DATABASE_ROW", group: "data", label: "Database row", description: "Runs a statement on a postgres connector and reads its first row." },
  { type: "DATABASE_EXECUTE", group: "data", label: "Database execute", description: "Runs a writing statement, once or once per parameter array in one transaction." },
  { type: "CODE", group: "advanced", label: "Code", description: "Runs JavaScript in a sandbox and outputs what it returns." },
];

export const NodeType = z
  .object({
    type: z.string().openapi({ example: "ASSIGN" }),
    label: z.string().openapi({ example: "Assign" }),
    group: z.enum(NODE_TYPE_GROUPS),
    description: z.string(),
    dataSchema: z.record(z.string(), z.unknown()).openapi({
      description:
        "JSON Schema (draft 2020-12) of the node's `data`, as input. String fields carry what they hold: `format: \"jsonata\"` an expression, `format: \"javascript\"` CODE's code, `x-connector: \"postgres\"|\"http\"` a connector alias of that type, `x-rule: true` a decision table's id or alias.",
    }),
  })
  .openapi("NodeType");
export type NodeType = z.infer<typeof NodeType>;

export const NodeTypeList = z
  .object({
    items: z.array(NodeType),
    groups: z.array(z.object({ id: z.enum(NODE_TYPE_GROUPS), label: z.string() })).openapi({ description: "The palette's groups, in order" }),
  })
  .openapi("NodeTypeList");
export type NodeTypeList = z.infer<typeof NodeTypeList>;

/** The data's JSON Schema; a type without data (START) takes an empty object. */
function dataSchemaOf(handler: NodeHandler): Record<string, unknown> {
  // `input`: what an author writes (defaults may be left out); `any` for what JSON Schema cannot say (preprocessing).
  return z.toJSONSchema(handler.dataSchema ?? z.object({}), { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

// Built on first use and kept: the schemas are fixed for the life of the isolate.
let nodeTypes: NodeTypeList | undefined;

function listNodeTypes(): NodeTypeList {
  nodeTypes ??= {
    items: PALETTE.filter(({ type }) => Object.hasOwn(NODE_HANDLERS, type)).map((entry) => ({
      ...entry,
      dataSchema: dataSchemaOf(NODE_HANDLERS[entry.type]),
    })),
    groups: NODE_TYPE_GROUPS.map((id) => ({ id, label: GROUP_LABELS[id] })),
  };
  return nodeTypes;
}

export const nodeTypesApi = router();
nodeTypesApi.use("/api/node-types", requireKey("management"));

nodeTypesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/node-types",
    summary: "The node types a flow can use, in palette order, with the JSON Schema of each one's data",
    tags: ["Rules"],
    security,
    responses: { 200: json(NodeTypeList, "Every node type, grouped (basic, rules, data, advanced)"), ...problemResponses(401, 403) },
  }),
  (c) => c.json(listNodeTypes(), 200),
);
