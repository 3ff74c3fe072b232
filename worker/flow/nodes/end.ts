// END: completes the job with `output`, even if other branches still had nodes to run.
import { z } from "zod";
import { expression } from "./fields";
import { fastFormOf } from "../expressions";
import { parseNodeData, parsedOrNull, type NodeHandler } from "./handler";

export const EndData = z.object({ output: expression().optional().describe("The job's output (empty: null)") });
type EndData = z.infer<typeof EndData>;

export const endNode: NodeHandler = {
  dataSchema: EndData,
  *expressions(data: EndData) {
    if (data.output !== undefined) yield ["output", data.output];
  },
  async run({ node, evaluate }) {
    const data = parseNodeData(node, EndData);
    const output = data.output === undefined ? null : await evaluate(data.output, "output");
    return { kind: "end", output };
  },
  compile(node) {
    const data = parsedOrNull(node, EndData);
    if (!data) return null;
    if (data.output === undefined) return { run: () => ({ kind: "end", output: null }) };
    const fast = fastFormOf(data.output);
    return fast && { run: ({ evaluate }) => ({ kind: "end", output: evaluate(fast) }) };
  },
};
