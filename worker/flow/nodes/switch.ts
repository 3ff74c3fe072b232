// SWITCH: routes the flow by conditions. Each case whose `when` holds names an out-port; `mode: "first"`
// takes only the first such port, `"all"` takes every one. With no case holding, port `default` is
// taken. Branches not taken are skipped, and a join after them runs once any taken branch reaches it.
import { z } from "zod";
import { DEFAULT_PORT } from "../definition";
import { fastFormOf, isTruthy } from "../expressions";
import { expression } from "./fields";
import { parseNodeData, parsedOrNull, type NodeHandler } from "./handler";

export const SwitchData = z.object({
  cases: z
    .array(z.object({ when: expression().min(1).describe("Condition"), port: z.string().min(1).describe("Port taken when it holds") }))
    .describe("Checked in order; port default when none holds"),
  mode: z.enum(["first", "all"]).default("first"),
});
type SwitchData = z.infer<typeof SwitchData>;

export const switchNode: NodeHandler = {
  dataSchema: SwitchData,
  *expressions(data: SwitchData) {
    for (const [index, switchCase] of data.cases.entries()) yield [`cases[${index}].when`, switchCase.when];
  },
  ports: (data: SwitchData) => [...new Set([...data.cases.map((switchCase) => switchCase.port), DEFAULT_PORT])],

  async run({ node, evaluate }) {
    const data = parseNodeData(node, SwitchData);
    const ports: string[] = [];
    for (const [index, switchCase] of data.cases.entries()) {
      if (!isTruthy(await evaluate(switchCase.when, `cases[${index}].when`))) continue;
      if (!ports.includes(switchCase.port)) ports.push(switchCase.port);
      if (data.mode === "first") break;
    }
    if (ports.length === 0) ports.push(DEFAULT_PORT);
    return { kind: "done", output: { ports }, ports };
  },
  compile(node) {
    const data = parsedOrNull(node, SwitchData);
    if (!data) return null;
    const cases = data.cases.map((switchCase) => ({ when: fastFormOf(switchCase.when), port: switchCase.port }));
    if (cases.some((switchCase) => switchCase.when === null)) return null;
    return {
      run({ evaluate }) {
        const ports: string[] = [];
        for (const switchCase of cases) {
          if (!isTruthy(evaluate(switchCase.when!))) continue;
          if (!ports.includes(switchCase.port)) ports.push(switchCase.port);
          if (data.mode === "first") break;
        }
        if (ports.length === 0) ports.push(DEFAULT_PORT);
        return { kind: "done", output: { ports }, ports };
      },
    };
  },
};
