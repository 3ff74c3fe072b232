// SWITCH: routes by the first (or every) case that holds, takes `default` when none does, skips the
// branches not taken, and a join after them runs once.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

const messages = (run: Awaited<ReturnType<typeof runFlow>>) => run.logs.map((line) => line.message);

const routing = (mode?: "first" | "all") =>
  flow(
    [
      node("start", "START"),
      node("route", "SWITCH", {
        cases: [
          { when: "input.amount >= 1000", port: "big" },
          { when: "input.express", port: "fast" },
        ],
        ...(mode ? { mode } : {}),
      }),
      node("review", "LOG", { message: "'review'" }),
      node("ship", "LOG", { message: "'ship express'" }),
      node("normal", "LOG", { message: "'normal'" }),
      node("after-review", "LOG", { message: "'after review'" }),
      node("join", "LOG", { message: "'join'" }),
      node("end", "END", { output: "route" }),
    ],
    [
      edge("start", "route"),
      edge("route", "review", "big"),
      edge("route", "ship", "fast"),
      edge("route", "normal", "default"),
      edge("review", "after-review"),
      edge("after-review", "join"),
      edge("ship", "join"),
      edge("normal", "join"),
      edge("join", "end"),
    ],
  );

describe("SWITCH", () => {
  it("takes only the first case that holds by default, skips the other branches, and joins once", async () => {
    const run = await runFlow(routing(), { amount: 5000, express: true });

    expect(messages(run)).toEqual(["review", "after review", "join"]);
    expect(run.result).toEqual({ kind: "completed", output: { ports: ["big"] } });
    expect(run.engine.nodeStates).toMatchObject({ review: "done", "after-review": "done", ship: "skipped", normal: "skipped", join: "done" });
  });

  it("takes every case that holds in mode all, running the join after both branches", async () => {
    const run = await runFlow(routing("all"), { amount: 5000, express: true });

    expect(messages(run).sort()).toEqual(["after review", "join", "review", "ship express"].sort());
    expect(messages(run).at(-1)).toBe("join");
    expect(run.result).toEqual({ kind: "completed", output: { ports: ["big", "fast"] } });
  });

  it("takes port default when no case holds", async () => {
    const run = await runFlow(routing("all"), { amount: 10, express: false });

    expect(messages(run)).toEqual(["normal", "join"]);
    expect(run.result).toEqual({ kind: "completed", output: { ports: ["default"] } });
  });

  it("skips what only a branch not taken leads to, even with no default connection", async () => {
    const partial = flow(
      [node("start", "START"), node("route", "SWITCH", { cases: [{ when: "input.go", port: "yes" }] }), node("go", "LOG", { message: "'went'" }), node("end", "END", { output: "'done'" })],
      [edge("start", "route"), edge("route", "go", "yes"), edge("go", "end")],
    );

    const run = await runFlow(partial, { go: false });

    expect(run.logs).toEqual([]);
    expect(run.result).toEqual({ kind: "completed", output: null });
    expect(run.engine.nodeStates).toMatchObject({ route: "done", go: "skipped", end: "skipped" });
  });

  it("routes each iteration of a loop body on its own, and the loop's collect sees every branch", async () => {
    const sorting = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "input.numbers", collect: "kind.label" }),
        node("route", "SWITCH", { cases: [{ when: "each.currentItem % 2 = 0", port: "even" }] }),
        node("even", "ASSIGN", { assign: { label: "each.currentItem & ' even'" } }),
        node("odd", "ASSIGN", { assign: { label: "each.currentItem & ' odd'" } }),
        node("kind", "ASSIGN", { assign: { label: "$exists(even.label) and route.ports[0] = 'even' ? even.label : odd.label" } }),
        node("end", "END", { output: "each.results" }),
      ],
      [
        edge("start", "each"),
        edge("each", "route", "loop"),
        edge("route", "even", "even"),
        edge("route", "odd", "default"),
        edge("even", "kind"),
        edge("odd", "kind"),
        edge("each", "end", "done"),
      ],
    );

    const run = await runFlow(sorting, { numbers: [1, 2, 3, 4] });

    expect(run.result).toEqual({ kind: "completed", output: ["1 odd", "2 even", "3 odd", "4 even"] });
  });

  it("fails naming the node and the case when a condition fails", async () => {
    const broken = flow([node("start", "START"), node("route", "SWITCH", { cases: [{ when: "$number('x')", port: "a" }] })], [edge("start", "route")]);

    const run = await runFlow(broken, {});

    expect(run.result).toMatchObject({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "route" });
    expect((run.result as { message: string }).message).toMatch(/^SWITCH 'route': cases\[0\]\.when: /);
  });
});
