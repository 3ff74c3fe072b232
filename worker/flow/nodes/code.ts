// CODE: runs `code`, the body of a JavaScript function `(context) => value`, in the QuickJS sandbox
// (sandbox.ts) over the context expressions see, given as JSON. What it returns is the node's output
// (undefined → null); `console.*` goes to the job log. No network, timers or host objects inside.
import { z } from "zod";
import { FlowFailure } from "../failure";
import { compileProblem, runInSandbox, SANDBOX_MEMORY_BYTES, type CodeLocation } from "../sandbox";
import { code } from "./fields";
import { parseNodeData, type NodeHandler } from "./handler";
import { CallCanceled } from "./rest-attempt";

export const CODE_TIMEOUT_DEFAULT_MS = 1000;
export const CODE_TIMEOUT_MAX_MS = 10_000;
/** What one call may return: like a fan-out's answers, it is one node output kept in the checkpoint. */
export const CODE_OUTPUT_LIMIT_BYTES = 4 * 1024 * 1024;

export const CodeData = z.object({
  /** The body of `(context) => value`: `return` what the node outputs. */
  code: code().min(1).describe("The body of (context) => value: return what the node outputs"),
  /** The CPU the call may use (sandbox.ts: counted in interpreter checks, as deployed the clock stands still). */
  timeoutMs: z.number().int().min(1).max(CODE_TIMEOUT_MAX_MS).default(CODE_TIMEOUT_DEFAULT_MS).describe("CPU budget in milliseconds"),
});
type CodeData = z.infer<typeof CodeData>;

export const codeNode: NodeHandler = {
  dataSchema: CodeData,
  async check(data: CodeData) {
    const problem = await compileProblem(data.code);
    return problem ? [{ field: "code", message: `does not compile: ${problem.message}${at(problem.location)}` }] : [];
  },
  async run({ node, job, values, services }) {
    const data = parseNodeData(node, CodeData);
    // Within a solve, the call gets at most what is left of the solve's time limit.
    const left = services.timeLimit ? Math.max(1, Math.floor(services.timeLimit.leftMs())) : Infinity;
    const timeoutMs = Math.min(data.timeoutMs, left);
    const outcome = await runInSandbox({
      code: data.code,
      contextJson: JSON.stringify({ ...values, $job: { id: job.id, attempt: job.attempt } }),
      timeoutMs,
      signal: services.signal,
      console: (level, message) => services.log({ level, node: node.name, message }),
    });
    switch (outcome.kind) {
      case "returned": {
        const bytes = outcome.json.length * 3 > CODE_OUTPUT_LIMIT_BYTES ? new TextEncoder().encode(outcome.json).byteLength : outcome.json.length;
        if (bytes > CODE_OUTPUT_LIMIT_BYTES) throw new FlowFailure(`the value returned is ${bytes} bytes as JSON; the limit is ${CODE_OUTPUT_LIMIT_BYTES} bytes (4 MiB)`);
        return { kind: "done", output: JSON.parse(outcome.json) };
      }
      case "threw":
        throw new FlowFailure(`${outcome.message}${at(outcome.location)}`);
      case "timed-out":
        if (timeoutMs < data.timeoutMs) services.timeLimit?.reached();
        throw new FlowFailure(`the code ran past its timeoutMs (${data.timeoutMs} ms of CPU) and was stopped`);
      case "out-of-memory":
        throw new FlowFailure(`the code ran out of memory (the limit is ${SANDBOX_MEMORY_BYTES / 1024 / 1024} MiB) and was stopped${at(outcome.location)}`);
      case "not-json":
        throw new FlowFailure(outcome.message);
      case "canceled":
        throw new CallCanceled("the code");
    }
  },
};

/** " (line 3, column 9)" in the author's code, or nothing when the error has no place in it. */
function at(location: CodeLocation | null): string {
  return location ? ` (line ${location.line}, column ${location.column})` : "";
}
