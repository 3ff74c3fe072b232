// ASSIGN: computes named values into its output (`assign`) and into the flow variables (`vars`),
// which persist across nodes and loop iterations (accumulators).
import { z } from "zod";
import { expression } from "./fields";
import { expressionsIn, fastFormsOf, parseNodeData, parsedOrNull, type NodeHandler } from "./handler";

export const AssignData = z.object({
  assign: z.record(z.string(), expression()).optional().describe("Output values: each key gets the value of its expression"),
  vars: z.record(z.string(), expression()).optional().describe("Flow variables to set (vars.<key>), kept across nodes and loop iterations"),
});
type AssignData = z.infer<typeof AssignData>;

export const assignNode: NodeHandler = {
  dataSchema: AssignData,
  *expressions(data: AssignData) {
    yield* expressionsIn("assign", data.assign);
    yield* expressionsIn("vars", data.vars);
  },
  async run({ node, evaluate }) {
    const data = parseNodeData(node, AssignData);
    // Everything is evaluated before anything is applied, so `vars: { a: "vars.b", b: "vars.a" }` swaps.
    const output: Record<string, unknown> = {};
    for (const [key, expression] of Object.entries(data.assign ?? {})) {
      output[key] = await evaluate(expression, `assign.${key}`);
    }
    const vars: Record<string, unknown> = {};
    for (const [key, expression] of Object.entries(data.vars ?? {})) {
      vars[key] = await evaluate(expression, `vars.${key}`);
    }
    return { kind: "done", output, vars };
  },
  compile(node) {
    const data = parsedOrNull(node, AssignData);
    const assign = data && fastFormsOf(data.assign);
    const vars = data && fastFormsOf(data.vars);
    if (!assign || !vars) return null;
    return {
      run({ evaluate }) {
        const output: Record<string, unknown> = {};
        for (const [key, fast] of assign) output[key] = evaluate(fast);
        const values: Record<string, unknown> = {};
        for (const [key, fast] of vars) values[key] = evaluate(fast);
        return { kind: "done", output, vars: values };
      },
    };
  },
};
