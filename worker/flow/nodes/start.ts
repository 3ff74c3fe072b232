// START: the entry of every flow. It checks the job input against the flow's `inputSchema` and
// passes the input on as its output.
import { checkJsonSchema } from "../json-schema";
import type { NodeHandler } from "./handler";

export const startNode: NodeHandler = {
  async run({ definition, values }) {
    if (definition.inputSchema) {
      const problems = checkJsonSchema(definition.inputSchema, values.input, "input");
      if (problems.length > 0) return { kind: "invalid-input", problems };
    }
    return { kind: "done", output: values.input };
  },
  compile() {
    // Already synchronous: the same function, without the promise.
    return {
      run({ definition, values }) {
        if (definition.inputSchema) {
          const problems = checkJsonSchema(definition.inputSchema, values.input, "input");
          if (problems.length > 0) return { kind: "invalid-input", problems };
        }
        return { kind: "done", output: values.input };
      },
    };
  },
};
