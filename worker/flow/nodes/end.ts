// END: completes the job with `output`, even if other branches still had nodes to run.
import { z } from "zod";
import { parseNodeData, type NodeHandler } from "./handler";

const EndData = z.object({ output: z.string().optional() });

export const endNode: NodeHandler = {
  async run({ node, evaluate }) {
    const data = parseNodeData(node, EndData);
    const output = data.output === undefined ? null : await evaluate(data.output, "output");
    return { kind: "end", output };
  },
};
