// LOG: writes a job log line; its output is the message, so later nodes can refer to it.
import { z } from "zod";
import { expression } from "./fields";
import { fastFormOf } from "../expressions";
import { parseNodeData, parsedOrNull, type NodeHandler } from "./handler";

export const LogData = z.object({
  message: expression().describe("The log line: an expression, so text goes in quotes"),
  level: z.enum(["info", "warn", "error"]).default("info"),
});
type LogData = z.infer<typeof LogData>;

export const logNode: NodeHandler = {
  dataSchema: LogData,
  *expressions(data: LogData) {
    yield ["message", data.message];
  },
  async run({ node, evaluate, services }) {
    const data = parseNodeData(node, LogData);
    const value = await evaluate(data.message, "message");
    const message = typeof value === "string" ? value : JSON.stringify(value);
    services.log({ level: data.level, node: node.name, message });
    return { kind: "done", output: { message } };
  },
  compile(node) {
    const data = parsedOrNull(node, LogData);
    const fast = data && fastFormOf(data.message);
    if (!data || !fast) return null;
    return {
      run({ evaluate, services }) {
        // Evaluated before the line is written: nothing is logged when the async form must run instead.
        const value = evaluate(fast);
        const message = typeof value === "string" ? value : JSON.stringify(value);
        services.log({ level: data.level, node: node.name, message });
        return { kind: "done", output: { message } };
      },
    };
  },
};
