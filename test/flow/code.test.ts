// CODE runs JavaScript in the QuickJS sandbox: what it returns is the node's output, and the author's
// mistakes (a throw, a loop that never ends, a memory bomb, a value that is not JSON) fail the job
// naming the node and, where there is one, the line.
import { describe, expect, it } from "vitest";
import { contextReads } from "../../worker/flow/nodes/code";
import { INTERRUPT_CHECKS_PER_MS, runInSandbox } from "../../worker/flow/sandbox";
import { edge, flow, node, runFlow } from "./run-flow";

/** START → CODE 'calc' (with `data`) → END returning its output. */
function codeFlow(data: Record<string, unknown>) {
  return flow([node("start", "START"), node("calc", "CODE", data), node("end", "END", { output: "calc" })], [edge("start", "calc"), edge("calc", "end")]);
}

const run = (code: string, input: unknown = {}, extra: Record<string, unknown> = {}) => runFlow(codeFlow({ code, ...extra }), input);

describe("CODE", () => {
  it("returns what the code computes from the input, the flow variables, earlier node outputs and $job", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("prep", "ASSIGN", { assign: { rate: "0.2" }, vars: { seen: "3" } }),
        node("calc", "CODE", {
          code: [
            "const { input, vars, prep } = context;",
            "const total = input.items.reduce((sum, item) => sum + item.price * item.quantity, 0);",
            "return { total, discounted: total * (1 - prep.rate), seen: vars.seen, job: context.$job.id, names: input.items.map((item) => item.name.toUpperCase()) };",
          ].join("\n"),
        }),
        node("end", "END", { output: "{ 'calc': calc, 'after': input.items[0].name }" }),
      ],
      [edge("start", "prep"), edge("prep", "calc"), edge("calc", "end")],
    );
    const input = {
      items: [
        { name: "tea", price: 3, quantity: 2 },
        { name: "cake", price: 4, quantity: 1 },
      ],
    };

    const result = await runFlow(definition, input);

    expect(result.result).toEqual({
      kind: "completed",
      output: { calc: { total: 10, discounted: 8, seen: 3, job: "job-1", names: ["TEA", "CAKE"] }, after: "tea" },
    });
  });

  it("sees the context as a copy: what the code changes stays inside", async () => {
    const definition = flow(
      [node("start", "START"), node("calc", "CODE", { code: "context.input.name = 'changed'; context.vars.x = 1; return null" }), node("end", "END", { output: "{ 'name': input.name, 'vars': vars }" })],
      [edge("start", "calc"), edge("calc", "end")],
    );

    const result = await runFlow(definition, { name: "original" });

    expect(result.result).toEqual({ kind: "completed", output: { name: "original", vars: {} } });
  });

  it("sees every entry of the context as an ordinary object: keys in order, spread, JSON, writes, a frozen copy", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("prep", "ASSIGN", { assign: { rate: "0.2" } }),
        node("calc", "CODE", {
          code: [
            "const keys = Object.keys(context);",
            "const has = 'prep' in context && !('nothing' in context);",
            "const json = JSON.parse(JSON.stringify(context));",
            "const spread = { ...context };",
            "context.prep = 'replaced';",
            "const frozen = Object.freeze(Object.assign({}, context));",
            "return { keys, has, fromJson: json.input.n, fromSpread: spread.prep.rate, written: context.prep, frozen: frozen.prep, entries: Object.entries(context).length };",
          ].join("\n"),
        }),
        node("end", "END", { output: "calc" }),
      ],
      [edge("start", "prep"), edge("prep", "calc"), edge("calc", "end")],
    );

    const result = await runFlow(definition, { n: 7 });

    expect(result.result).toEqual({
      kind: "completed",
      output: { keys: ["input", "vars", "start", "prep", "$job"], has: true, fromJson: 7, fromSpread: 0.2, written: "replaced", frozen: "replaced", entries: 5 },
    });
  });

  it("passes the sandbox only the entries the code reads: an input larger than the sandbox's memory costs nothing unread", async () => {
    // 40 million characters: more than the sandbox's 32 MiB once parsed inside.
    const input = { huge: "x".repeat(40_000_000) };
    const reading = (code: string) => runFlow(flow([node("start", "START"), node("prep", "ASSIGN", { assign: { n: "21" } }), node("calc", "CODE", { code, timeoutMs: 5000 }), node("end", "END", { output: "calc" })], [edge("start", "prep"), edge("prep", "calc"), edge("calc", "end")]), input);

    expect((await reading("return context.prep.n * 2")).result).toEqual({ kind: "completed", output: 42 });
    expect((await reading("return [context?.prep.n, context.$job.attempt, context.vars]")).result).toEqual({ kind: "completed", output: [21, 1, {}] });
    // A use the text cannot narrow gets the whole context, so it sees everything: here too much to fit, said so.
    expect((await reading("return Object.keys(context).length")).result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "calc",
      message:
        "CODE 'calc': the whole context (the code uses it in a way that does not say which entries it reads) does not fit in the sandbox's 32 MiB once parsed; read only what the code needs, each entry by name (context.input, context.loop)",
    });
    expect((await reading("return context.hasOwnProperty('input')")).result).toMatchObject({ kind: "failed", message: expect.stringContaining("the whole context") });
    expect((await reading("return context.input.huge.length")).result).toMatchObject({ kind: "failed", message: expect.stringContaining("the context entries the code reads (input) do not fit") });
  });

  it("reads the entries a CODE body names from its text, and gives up on any use it cannot narrow", () => {
    const reads = (code: string) => {
      const found = contextReads(code);
      return found === null ? null : [...found];
    };
    expect(reads("return context.input.n")).toEqual(["input"]);
    expect(reads("const a = context?.loop;\nreturn context . $job.id + a")).toEqual(["loop", "$job"]);
    expect(reads("return mycontext.input + context.vars + obj.context_x")).toEqual(["vars"]);
    expect(reads("return 1")).toEqual([]);
    for (const code of [
      "return Object.keys(context)",
      "return { ...context }",
      "return 'input' in context",
      "return context['input']",
      "return context.hasOwnProperty('input')",
      "return context.constructor",
      "return eval('context.input')",
      "return arguments[0].input",
      "const c = context; return c.input",
      "return \\u0063ontext.input",
      "// the whole context\nreturn context.input",
      "return JSON.stringify(context)",
      "return helper(context)",
      "context = {}; return context.input",
    ]) {
      expect(reads(code), code).toBeNull();
    }
  });

  it("gives each call a fresh sandbox: globals set by one iteration are gone in the next", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1, 2, 3]", collect: "calc" }),
        node("calc", "CODE", { code: "const before = typeof globalThis.seen; globalThis.seen = context.each.currentItem; return before" }),
        node("end", "END", { output: "each.results" }),
      ],
      [edge("start", "each"), edge("each", "calc", "loop"), edge("calc", "each"), edge("each", "end", "done")],
    );

    expect((await runFlow(definition, {})).result).toEqual({ kind: "completed", output: ["undefined", "undefined", "undefined"] });
  });

  it("outputs null when the code returns nothing", async () => {
    expect((await run("const x = 1;")).result).toEqual({ kind: "completed", output: null });
  });

  it("fails naming the node when the result is not JSON: a function, a Promise, a BigInt", async () => {
    expect((await run("return () => 1")).result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "calc",
      message: "CODE 'calc': the code returned a function, which is not JSON",
    });
    expect((await run("return { total: 1, format() {} }")).result).toMatchObject({ message: "CODE 'calc': the value returned holds a function at 'format', which is not JSON" });
    expect((await run("return Promise.resolve(1)")).result).toMatchObject({ message: expect.stringMatching(/^CODE 'calc': the code returned a Promise/) });
    expect((await run("return 10n")).result).toMatchObject({ kind: "failed", node: "calc" });
  });

  it("fails with the line and column of a thrown error, counted in the author's code", async () => {
    const code = ["const order = context.input;", "if (!order.id) {", "  throw new Error('order has no id');", "}"].join("\n");

    expect((await run(code, {})).result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "calc",
      message: "CODE 'calc': Error: order has no id (line 3, column 18)",
    });
    expect((await run("const a = null;\nreturn a.b;", {})).result).toMatchObject({ message: "CODE 'calc': TypeError: cannot read property 'b' of null (line 2, column 9)" });
    expect((await run("throw 'plain'")).result).toMatchObject({ message: "CODE 'calc': Uncaught plain" });
  });

  it("fails with the line of a syntax error", async () => {
    expect((await run("const a = 1;\nconst b = ;")).result).toMatchObject({ message: "CODE 'calc': SyntaxError: unexpected token in expression: ';' (line 2, column 11)" });
  });

  it("has no network, timers or host objects inside", async () => {
    const result = await run("return [typeof fetch, typeof setTimeout, typeof setInterval, typeof queueMicrotask, typeof require, typeof process, typeof WebAssembly, typeof caches, typeof crypto]");

    expect(result.result).toEqual({ kind: "completed", output: Array(9).fill("undefined") });
  });

  it("writes console.log/info/warn/error to the job log under the node's name, at most 100 lines per call", async () => {
    const result = await run("console.log('total', 3, { a: 1 }); console.info('i'); console.warn('w'); console.error('e', [1]); return 1");

    expect(result.logs).toEqual([
      { level: "info", node: "calc", message: 'total 3 {"a":1}' },
      { level: "info", node: "calc", message: "i" },
      { level: "warn", node: "calc", message: "w" },
      { level: "error", node: "calc", message: "e [1]" },
    ]);

    const chatty = await run("for (let i = 0; i < 250; i++) console.log('line ' + i); console.log('x'.repeat(20000)); return 1");
    expect(chatty.logs).toHaveLength(101);
    expect(chatty.logs[99]).toEqual({ level: "info", node: "calc", message: "line 99" });
    expect(chatty.logs[100]).toEqual({ level: "warn", node: "calc", message: "151 more console lines of this call were dropped (at most 100 per call)" });
    const long = await run("console.log('x'.repeat(20000)); return 1");
    expect(long.logs[0].message).toHaveLength(8193);
  });

  it("stops `while (true) {}` at timeoutMs and fails naming the node", async () => {
    const started = performance.now();

    const result = await run("let spins = 0;\nwhile (true) { spins++ }", {}, { timeoutMs: 300 });

    expect(result.result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "calc",
      message: "CODE 'calc': the code ran past its timeoutMs (300 ms of CPU) and was stopped",
    });
    expect(performance.now() - started).toBeLessThan(300 + 1000);
  });

  it("budgets CPU in interpreter checks alone where the clock stands still (as deployed): 10,000 branches and calls per ms of timeoutMs", async () => {
    const frozen = { contextJson: "{}", timeoutMs: 100, now: () => 0, console: () => {} };
    expect(INTERRUPT_CHECKS_PER_MS).toBe(1);

    // A loop iteration is about two branches: 200,000 iterations use some 40 of the 100 checks, 1,000,000 some 200.
    expect(await runInSandbox({ ...frozen, code: "let n = 0; for (let i = 0; i < 200000; i++) n++; return n" })).toEqual({ kind: "returned", json: "200000" });
    expect(await runInSandbox({ ...frozen, code: "let n = 0; for (let i = 0; i < 1000000; i++) n++; return n" })).toEqual({ kind: "timed-out" });
    expect(await runInSandbox({ ...frozen, code: "while (true) {}" })).toEqual({ kind: "timed-out" });
  });

  it("fails a memory bomb with a memory message, and the next call runs normally", async () => {
    const bomb = await run("const a = [];\nwhile (true) a.push(new Array(1e6))", {}, { timeoutMs: 10_000 });

    expect(bomb.result).toMatchObject({
      kind: "failed",
      node: "calc",
      message: expect.stringMatching(/^CODE 'calc': the code ran out of memory \(the limit is 32 MiB\) and was stopped \(line 2, column \d+\)$/),
    });
    expect((await run("return 'fine'")).result).toEqual({ kind: "completed", output: "fine" });
  });

  it("fails deep recursion with a stack overflow, and the next call runs normally", async () => {
    const deep = await run("function down(n) { return down(n + 1) + 1 }\nreturn down(0)");
    expect(deep.result).toMatchObject({ kind: "failed", node: "calc", message: expect.stringMatching(/^CODE 'calc': (InternalError|RangeError): .*stack/) });

    // JSON nesting recurses deeper per frame than plain calls.
    const nested = await run("let value = {}; for (let i = 0; i < 100000; i++) value = { value };\nreturn JSON.stringify(value).length");
    expect(nested.result).toMatchObject({ kind: "failed", node: "calc", message: expect.stringMatching(/stack overflow/) });
    expect((await run("return 1 + 1")).result).toEqual({ kind: "completed", output: 2 });
  });

  it("stops when the job is canceled", async () => {
    const controller = new AbortController();
    controller.abort();

    const result = await runFlow(codeFlow({ code: "return 1" }), {}, { services: { signal: controller.signal } });

    expect(result.result).toMatchObject({ kind: "failed", node: "calc", message: "CODE 'calc': the code was aborted because the job was canceled" });
  });

  it("refuses bad data: no code, a timeoutMs out of 1..10000", async () => {
    expect((await runFlow(codeFlow({}), {})).result).toMatchObject({ kind: "failed", message: expect.stringMatching(/^CODE 'calc': invalid node data: data\.code/) });
    expect((await run("return 1", {}, { timeoutMs: 10_001 })).result).toMatchObject({ kind: "failed", message: expect.stringMatching(/data\.timeoutMs/) });
    expect((await run("return 1", {}, { timeoutMs: 0 })).result).toMatchObject({ kind: "failed", message: expect.stringMatching(/data\.timeoutMs/) });
  });
});
