// LOG: one job log line per execution, at the node's level, naming the node.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

describe("LOG", () => {
  it("logs the message at the chosen level, stringifying values that are not text", async () => {
    const logging = flow(
      [
        node("start", "START"),
        node("plain", "LOG", { message: "'hello ' & input.name" }),
        node("warning", "LOG", { message: "input", level: "warn" }),
        node("number", "LOG", { message: "42", level: "error" }),
        node("nothing", "LOG", { message: "input.missing" }),
        node("end", "END", { output: "plain" }),
      ],
      [edge("start", "plain"), edge("plain", "warning"), edge("warning", "number"), edge("number", "nothing"), edge("nothing", "end")],
    );

    const run = await runFlow(logging, { name: "Ada" });

    expect(run.logs).toEqual([
      { level: "info", node: "plain", message: "hello Ada" },
      { level: "warn", node: "warning", message: '{"name":"Ada"}' },
      { level: "error", node: "number", message: "42" },
      { level: "info", node: "nothing", message: "null" },
    ]);
    expect(run.result).toEqual({ kind: "completed", output: { message: "hello Ada" } });
  });
});
