/// <reference types="node" />
// The decision table editor in Chromium against `npm start`: a published table and a flow whose
// BUSINESS_RULE uses its latest published version; in the console, Edit adds a BTW row and turns off
// an earlier row that would have matched first, a refused cell shows the API's message on itself,
// the edits survive a reload behind the leave-page warning, Save makes version 2 and Publish
// publishes it; a job of the flow then returns the new row's result.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage } from "./browser";
import { call } from "./server";
import { sharedConsole } from "./shared";

const shared = sharedConsole();
const run = Date.now().toString(36);

const FINAL = ["COMPLETED", "ERROR", "CANCELED"];

/** Starts a job of the flow and waits for it to end; its Job object. */
async function runJob(flow: string, input: object) {
  const { jobId } = await call<{ jobId: string }>(shared.server.base, shared.server.solverKey, "POST", `/job/start/${flow}`, input);
  let job: { status: { state: string }; output: unknown; error: unknown } | undefined;
  await expect
    .poll(async () => (job = await call(shared.server.base, shared.server.solverKey, "GET", `/job/${jobId}`)).status.state, { timeout: 30_000 })
    .toSatisfy((state: string) => FINAL.includes(state));
  return job!;
}

/** Whether a `beforeunload` now would ask before leaving: some handler cancels the event. */
const leaveGuardArmed = (page: Page) =>
  page.evaluate(() => {
    const event = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  });

describe("decision table editor", () => {
  it("adds a BTW row, turns a row off, shows a refusal on its cell, keeps edits over a reload, saves version 2 and publishes it for jobs", async () => {
    const table = `discounts-${run}`;
    const flow = `checkout-${run}`;
    await call(shared.server.base, shared.server.managementKey, "POST", "/api/rules", {
      name: `Discounts ${run}`,
      alias: table,
      type: "decision-table",
      publish: true,
      definition: {
        hitPolicy: "FIRST_MATCH",
        inputs: [{ id: "segment", expression: "segment" }, { id: "amount", expression: "amount" }],
        outputs: [{ id: "discount", path: "discount" }, { id: "label", path: "label" }],
        rows: [
          { conditions: { segment: { op: "=", value: "gold" } }, outputs: { discount: { value: 0.2 }, label: { value: "gold" } } },
          { conditions: { amount: { op: ">=", value: 100 } }, outputs: { discount: { value: 0.1 }, label: { value: "big" } } },
          { conditions: { segment: { op: "=", value: "bronze" } }, outputs: { discount: { value: 0.05 }, label: { value: "bronze" } } },
        ],
      },
    });
    await call(shared.server.base, shared.server.managementKey, "POST", "/api/rules", {
      name: `Checkout ${run}`,
      alias: flow,
      type: "integration-flow",
      publish: true,
      definition: {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "price", type: "BUSINESS_RULE", name: "price", data: { rule: table, version: "latest", input: "input" } },
          { id: "end", type: "END", name: "end", data: { output: "price" } },
        ],
        connections: [{ source: "start", target: "price" }, { source: "price", target: "end" }],
      },
    });
    // Only the new BTW row matches this input once row 2 (amount ≥ 100, matched first) is off.
    const input = { segment: "silver", amount: 150 };
    const before = await runJob(flow, input);
    expect(before.status.state).toBe("COMPLETED");
    expect(before.output).toEqual({ discount: 0.1, label: "big" });

    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${shared.server.base}/flows/${table}`);
    await page.getByTestId("hit-policy").waitFor();
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByLabel("Row 1, segment: operator").waitFor();
    expect(await page.getByLabel("Hit policy").inputValue()).toBe("FIRST_MATCH");
    expect(await page.getByLabel("Row 2, amount: value").inputValue()).toBe("100");
    expect(await leaveGuardArmed(page)).toBe(false);

    // A new row, its first control focused; amount between 120 and 180 gives 0.15 and a label.
    await page.getByRole("button", { name: "Add row" }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Row 4: active");
    const operator = page.getByLabel("Row 4, amount: operator");
    expect(await operator.locator("option").evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value))).toEqual(
      ["ANY", "=", "!=", "<", "<=", ">", ">=", "BTW", "IN", "!IN", "NULL", "!NULL", "CONTAINS"],
    );
    await operator.selectOption("BTW");
    await page.getByLabel("Row 4, amount: from").fill("120");
    await page.getByLabel("Row 4, amount: to").fill("180");
    await page.getByLabel("Row 4, discount: value").fill("0.15");
    // An expression that does not parse: the API refuses it.
    await page.getByLabel("Row 4, label: kind").selectOption("expression");
    await page.getByLabel("Row 4, label: expression").fill("'mid' &");
    await page.getByLabel("Row 2: active").uncheck();
    expect(await leaveGuardArmed(page)).toBe(true);

    // Every control has a name a screen reader says.
    const unnamed = await page.locator(".table-editor :is(input, select, button)").evaluateAll((controls) =>
      controls.filter((control) => !(control.getAttribute("aria-label") || (control as HTMLInputElement).labels?.length || control.textContent?.trim())).map((control) => control.outerHTML),
    );
    expect(unnamed).toEqual([]);

    await page.getByRole("button", { name: "Save", exact: true }).click();
    const refused = page.getByLabel("Row 4, label: expression");
    await expect.poll(() => refused.getAttribute("aria-invalid")).toBe("true");
    const messageId = await refused.getAttribute("aria-describedby");
    expect(await page.locator(`tr[data-row="4"] [id="${messageId}"]`).textContent()).toContain("is not a valid JSONata expression");
    expect(await page.getByRole("alert").textContent()).toContain("Invalid rule definition");
    expect(await page.getByLabel("Row 4, discount: value").getAttribute("aria-invalid")).toBeNull();
    expect((await call(shared.server.base, shared.server.managementKey, "GET", `/api/rules/${table}`)).latestVersion).toBe(1);
    await screenshot(page, "decision-table-editor");

    await page.getByLabel("Row 4, label: kind").selectOption("value");
    await page.getByLabel("Row 4, label: value").fill("mid");

    // Leaving asks first; the edits are still there after the reload.
    const dialogs: string[] = [];
    page.once("dialog", (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    expect(dialogs).toEqual(["beforeunload"]);
    await page.getByLabel("Row 4, amount: from").waitFor();
    expect(await page.getByLabel("Row 4, amount: from").inputValue()).toBe("120");
    expect(await page.getByLabel("Row 4, amount: to").inputValue()).toBe("180");
    expect(await page.getByLabel("Row 4, label: value").inputValue()).toBe("mid");
    expect(await page.getByLabel("Row 2: active").isChecked()).toBe(false);
    expect(await leaveGuardArmed(page)).toBe(true);

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: /^Version 2/ }).waitFor();
    expect(new URL(page.url()).searchParams.get("version")).toBe("2");
    expect(await page.getByRole("group", { name: "Versions" }).textContent()).toMatch(/v2\s*pending/);
    expect(await leaveGuardArmed(page)).toBe(false);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes("decision-table")))).toEqual([]);
    const saved = await call(shared.server.base, shared.server.managementKey, "GET", `/api/rules/${table}`);
    expect(saved).toMatchObject({ latestVersion: 2, latestPublishedVersion: 1, status: "pending" });
    expect(saved.definition.rows[1].active).toBe(false);
    expect(saved.definition.rows[3]).toEqual({
      active: true,
      conditions: { amount: { op: "BTW", value: [120, 180] } },
      outputs: { discount: { value: 0.15 }, label: { value: "mid" } },
    });
    // Saved is not published: jobs still get version 1's answer.
    expect((await runJob(flow, input)).output).toEqual({ discount: 0.1, label: "big" });

    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { name: /^Version 2/ }).textContent()).toContain("published");
    expect((await call(shared.server.base, shared.server.managementKey, "GET", `/api/rules/${table}`)).latestPublishedVersion).toBe(2);

    const after = await runJob(flow, input);
    expect(after.status.state).toBe("COMPLETED");
    expect(after.output).toEqual({ discount: 0.15, label: "mid" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("discards on Cancel; picks the hit policy, adds an output column and saves and publishes at once", async () => {
    const table = `segments-${run}`;
    await call(shared.server.base, shared.server.managementKey, "POST", "/api/rules", {
      name: `Segments ${run}`,
      alias: table,
      type: "decision-table",
      publish: true,
      definition: {
        hitPolicy: "FIRST_MATCH",
        inputs: [{ id: "c1", expression: "amount" }],
        outputs: [{ id: "o1", path: "size" }],
        rows: [
          { conditions: { c1: { op: "<", value: 10 } }, outputs: { o1: { value: "small" } } },
          { conditions: { c1: { op: ">=", value: 5 } }, outputs: { o1: { value: "large" } } },
        ],
      },
    });
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    await page.goto(`${shared.server.base}/flows/${table}`);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByLabel("Hit policy").selectOption("STANDARD");
    expect(await leaveGuardArmed(page)).toBe(true);
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByRole("button", { name: "Discard", exact: true }).click();
    await page.getByTestId("hit-policy").waitFor();
    expect(await page.getByTestId("hit-policy").textContent()).toMatch(/First match/);
    expect(await leaveGuardArmed(page)).toBe(false);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes("decision-table")))).toEqual([]);

    // Edit opens on the stored version again, not on the discarded edits.
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    expect(await page.getByLabel("Hit policy").inputValue()).toBe("FIRST_MATCH");
    await page.getByLabel("Hit policy").selectOption("STANDARD");
    await page.getByRole("button", { name: "Add output column" }).click();
    const path = page.getByLabel("Output column o2: path");
    await expect.poll(() => path.evaluate((element) => element === document.activeElement)).toBe(true);
    await path.fill("note");
    await page.getByLabel("Row 2, note: value").fill("check stock");
    await page.getByLabel("Row 1, amount: operator").selectOption("IN");
    await page.getByLabel("Row 1, amount: values, separated by commas").fill('1, 2, "3"');
    await page.getByRole("button", { name: "Save and publish" }).click();
    await page.getByRole("heading", { name: /^Version 2/ }).waitFor();
    await expect.poll(() => page.getByRole("heading", { name: /^Version 2/ }).textContent()).toContain("published");
    expect(await page.getByTestId("hit-policy").textContent()).toMatch(/Standard/);
    const saved = await call(shared.server.base, shared.server.managementKey, "GET", `/api/rules/${table}`);
    expect(saved).toMatchObject({ latestVersion: 2, latestPublishedVersion: 2 });
    expect(saved.definition).toMatchObject({
      hitPolicy: "STANDARD",
      outputs: [{ id: "o1", path: "size" }, { id: "o2", path: "note" }],
      rows: [
        { conditions: { c1: { op: "IN", value: [1, 2, "3"] } }, outputs: { o1: { value: "small" } } },
        { conditions: { c1: { op: ">=", value: 5 } }, outputs: { o1: { value: "large" }, o2: { value: "check stock" } } },
      ],
    });
    await page.close();
  });
});
