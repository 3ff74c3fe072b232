/// <reference types="node" />
// The Solve panel in Chromium against `npm start` (issue 16, item 3): a decision table solved from its
// page (single and bulk, a strategy), and a decision flow solved from its designer, each showing the
// same result the API gives and the time the request took.
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage } from "./browser";
import { sharedConsole } from "./shared";
import { call } from "./server";

const shared = sharedConsole();
const run = Date.now().toString(36);
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(shared.server.base, shared.server.managementKey, method, path, body, headers);

const table = {
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "c1", expression: "segment" }],
  outputs: [{ id: "o1", path: "discount" }],
  rows: [
    { conditions: { c1: { op: "=", value: "gold" } }, outputs: { o1: { value: 0.2 } } },
    { conditions: { c1: { op: "ANY" } }, outputs: { o1: { value: 0 } } },
  ],
};

describe("Solve panel", () => {
  it("solves a decision table from its page, once and in bulk, with a strategy", async () => {
    const alias = `discount-${run}`;
    await api("POST", "/api/rules", { name: "Discount", alias, type: "decision-table", definition: table, publish: true });
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    await page.goto(`${shared.server.base}/flows/${alias}`);
    const panel = page.getByRole("region", { name: "Solve" });
    await panel.getByLabel("Data (JSON)").fill('{ "segment": "gold" }');
    await panel.getByRole("button", { name: "Solve" }).click();
    await panel.getByTestId("solve-answer").waitFor();
    const expected = await api("POST", `/rule/solve/${alias}/1`, { data: { segment: "gold" } });
    expect(JSON.parse((await panel.locator("pre").textContent())!)).toEqual(expected);
    expect(await panel.getByTestId("solve-ms").textContent()).toMatch(/^\d+ ms$/);

    await panel.getByLabel("Data (JSON)").fill('[{ "segment": "gold" }, { "segment": "new" }]');
    await panel.getByLabel("Strategy").selectOption("STANDARD");
    await panel.getByRole("button", { name: "Solve" }).click();
    const bulk = await api("POST", `/rule/solve/${alias}/1`, { data: [{ segment: "gold" }, { segment: "new" }] }, { "x-strategy": "STANDARD" });
    await expect.poll(async () => JSON.parse((await panel.locator("pre").textContent())!)).toEqual(bulk);
    await screenshot(page, "solve-table");
    await page.close();
  });

  it("solves a decision flow from its designer", async () => {
    const alias = `quote-${run}`;
    await api("POST", "/api/rules", { name: "Discount", alias: `discount-flow-${run}`, type: "decision-table", definition: table, publish: true });
    await api("POST", "/api/rules", {
      name: "Quote",
      alias,
      type: "decision-flow",
      publish: true,
      definition: {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "rate", type: "BUSINESS_RULE", name: "rate", data: { rule: `discount-flow-${run}`, version: "latest", input: "input" } },
          { id: "end", type: "END", name: "end", data: { output: "{ 'price': input.amount * (1 - rate.discount) }" } },
        ],
        connections: [
          { source: "start", target: "rate" },
          { source: "rate", target: "end" },
        ],
      },
    });
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    await page.goto(`${shared.server.base}/flows/${alias}?design=1`);
    const panel = page.getByRole("region", { name: "Solve" });
    await panel.getByLabel("Data (JSON)").fill('{ "segment": "gold", "amount": 100 }');
    await panel.getByRole("button", { name: "Solve" }).click();
    await panel.getByTestId("solve-answer").waitFor();
    expect(JSON.parse((await panel.locator("pre").textContent())!)).toEqual(await api("POST", `/rule/solve/${alias}`, { data: { segment: "gold", amount: 100 } }));
    expect(await page.getByText("decision-flow").count()).toBeGreaterThan(0);
    await screenshot(page, "solve-flow");
    // The usage page shows the solves' share of the time used, as GET /api/usage counts it.
    await page.goto(`${shared.server.base}/usage`);
    const solves = page.getByTestId("solve-seconds");
    await solves.waitFor();
    const usage = await api("GET", "/api/usage");
    expect(usage.solveMs).toBeGreaterThan(0);
    expect(Number(await solves.getAttribute("data-value"))).toBe(usage.solveMs / 1000);
    await page.close();
  });
});
