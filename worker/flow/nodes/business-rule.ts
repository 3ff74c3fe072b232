// BUSINESS_RULE: evaluates a published decision table (DESIGN.md §7) over the value of `input`; the
// table's result (an object or null for FIRST_MATCH, a list for STANDARD) is the node's output.
import { z } from "zod";
import { evaluateDecisionTable } from "../../decisions/evaluate";
import { DecisionTable } from "../../decisions/table";
import { FlowFailure } from "../failure";
import { expression, ruleRef } from "./fields";
import { parseNodeData, type NodeHandler } from "./handler";

export const BusinessRuleData = z.object({
  /** Rule id or alias of a decision table of the same space. */
  rule: ruleRef().min(1).describe("The decision table to evaluate"),
  version: z.union([z.number().int().positive(), z.literal("latest")]).default("latest").describe("A version number, or the latest published version"),
  /** What the table's column expressions see; by default the job input. */
  input: expression().min(1).default("input").describe("What the table's columns see (default: the job input)"),
});
type BusinessRuleData = z.infer<typeof BusinessRuleData>;

export const businessRuleNode: NodeHandler = {
  dataSchema: BusinessRuleData,
  *expressions(data: BusinessRuleData) {
    yield ["input", data.input];
  },

  async run({ node, evaluate, services }) {
    const data = parseNodeData(node, BusinessRuleData);
    if (!services.loadDecisionTable) throw new FlowFailure("this host cannot load decision tables");
    const input = await evaluate(data.input, "input");
    const definition = await services.loadDecisionTable(data.rule, data.version);
    const table = DecisionTable.safeParse(definition);
    if (!table.success) {
      // Tables are validated on save, so this is a table saved before a rule tightened.
      const problems = table.error.issues.map((issue) => `${issue.path.join(".") || "definition"}: ${issue.message}`);
      throw new FlowFailure(`decision table '${data.rule}' (${describeVersion(data.version)}) is invalid: ${problems.slice(0, 5).join("; ")}`);
    }
    let output: unknown;
    try {
      output = await evaluateDecisionTable(table.data, input);
    } catch (error) {
      if (!(error instanceof FlowFailure)) throw error;
      throw new FlowFailure(`decision table '${data.rule}' (${describeVersion(data.version)}): ${error.message}`, { cause: error });
    }
    services.log({
      level: "info",
      node: node.name,
      message: `decision table '${data.rule}' (${describeVersion(data.version)}): ${describeResult(output)}`,
    });
    return { kind: "done", output };
  },
};

function describeVersion(version: number | "latest"): string {
  return version === "latest" ? "latest published version" : `version ${version}`;
}

function describeResult(output: unknown): string {
  if (output === null) return "no row matched";
  if (Array.isArray(output)) return `${output.length} row(s) matched`;
  return "a row matched";
}
