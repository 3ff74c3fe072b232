// A test-only node type that takes the out-ports listed in its data, standing in for SWITCH so
// branch semantics are tested without it.
import { z } from "zod";
import { parseNodeData, type NodeHandler } from "../../worker/flow/nodes/handler";

const BranchData = z.object({ ports: z.array(z.string()) });

export const branchHandlers = {
  BRANCH: {
    async run({ node }) {
      const { ports } = parseNodeData(node, BranchData);
      return { kind: "done", output: { ports }, ports };
    },
  } satisfies NodeHandler,
};
