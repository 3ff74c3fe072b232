// CODE: runs `code`, the body of a JavaScript function `(context) => value`, in the QuickJS sandbox
// (sandbox.ts) over the context expressions see, given as JSON — only the entries the code reads
// when that can be told from its text (contextReads). What it returns is the node's output
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
      contextJson: contextJson(node, data.code, values, job),
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
      case "context-too-large": {
        const reads = readsByNode.get(node);
        const what = reads ? `the context entries the code reads (${[...reads].join(", ")}) do` : "the whole context (the code uses it in a way that does not say which entries it reads) does";
        throw new FlowFailure(
          `${what} not fit in the sandbox's ${SANDBOX_MEMORY_BYTES / 1024 / 1024} MiB once parsed; read only what the code needs, each entry by name (context.input, context.loop)`,
        );
      }
      case "not-json":
        throw new FlowFailure(outcome.message);
      case "canceled":
        throw new CallCanceled("the code");
    }
  },
};

/**
 * The entries of the context `code` can read, when its text says so: every mention of the name
 * `context` is a member read with a plain name (`context.input`, `context?.loop`), none of them a
 * property every object has (`context.hasOwnProperty`), and there is no `eval`, `arguments` or
 * `\u` escape through which the parameter could be reached unseen. Null otherwise — any other use
 * (`Object.keys(context)`, `{ ...context }`, `'x' in context`, `context[name]`, passing it on) —
 * and then the code gets the whole context. Mentions inside strings and comments count as uses too,
 * so the reading errs only towards passing more. Exported for its tests.
 */
export function contextReads(code: string): Set<string> | null {
  if (/\beval\b|\barguments\b|\\u/.test(code)) return null;
  const reads = new Set<string>();
  for (const mention of code.matchAll(/(?<![\w$])context(?![\w$])/g)) {
    const member = /^\s*\??\.\s*([A-Za-z_$][\w$]*)/.exec(code.slice(mention.index + mention[0].length));
    if (!member || member[1] in Object.prototype) return null;
    reads.add(member[1]);
  }
  return reads;
}

/** contextReads per node: definitions are immutable, so each CODE node's text is read once per isolate. */
const readsByNode = new WeakMap<object, Set<string> | null>();

/**
 * The context as the sandbox gets it: the entries the code reads, in the context's order, or all of
 * them. An entry the code never reads (a large input, in a loop whose body reads its item) is then
 * neither serialized nor parsed inside, the cost that grew with the context (README, "CODE").
 */
function contextJson(node: object, code: string, values: Readonly<Record<string, unknown>>, job: { id: string; attempt: number }): string {
  if (!readsByNode.has(node)) readsByNode.set(node, contextReads(code));
  const reads = readsByNode.get(node)!;
  const $job = { id: job.id, attempt: job.attempt };
  if (reads === null) return JSON.stringify({ ...values, $job });
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(values)) if (reads.has(key)) picked[key] = values[key];
  if (reads.has("$job")) picked.$job = $job;
  return JSON.stringify(picked);
}

/** " (line 3, column 9)" in the author's code, or nothing when the error has no place in it. */
function at(location: CodeLocation | null): string {
  return location ? ` (line ${location.line}, column ${location.column})` : "";
}
