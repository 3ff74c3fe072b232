/// <reference types="node" />
// The console in a real browser (Debian's Chromium via playwright-core) against `npm start`:
// sign in, live jobs list, filters and search, a running job's graph and logs, cancel, the flow
// page, decision tables, readable ids, usage and pay-as-you-go, webhooks with deliveries, API keys,
// keyboard use, one time format, rows that stay still under live updates, the sidebar on long
// pages, and the phone layout. Each test has its own signed-in tab.
import { createServer, type Server } from "node:http";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { formatDay, formatSeconds } from "../../web/src/lib/format";
import { periodDays } from "../../web/src/lib/usage";
import { alternatingFlow } from "../support/flows.mjs";
import { verifiesWith } from "../support/signatures";
import { launch, screenshot, signedInPage, signIn, tabTo } from "./browser";
import { call, freePort, startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Awaited<ReturnType<typeof launch>>;
let context: BrowserContext;
let page: Page;
const run = Date.now().toString(36);

const start = (flow: string, input: object, correlationId?: string) =>
  call<{ jobId: string }>(server.base, server.solverKey, "POST", `/job/start/${flow}`, input, correlationId ? { "x-correlation-id": correlationId } : {});
const row = (jobId: string) => page.locator(`tr[data-job-id="${jobId}"]`);

/** Records Chromium's layout-shift entries from now on, except those right after user input. */
const recordLayoutShifts = (tab: Page) =>
  tab.evaluate(() => {
    const shifts: { value: number; sources: string[] }[] = ((window as any).__shifts = []);
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as any[]) {
        if (!entry.hadRecentInput) shifts.push({ value: entry.value, sources: entry.sources.map((source: any) => source.node?.outerHTML?.slice(0, 80)) });
      }
    }).observe({ type: "layout-shift" });
  });
const layoutShifts = (tab: Page) => tab.evaluate(() => (window as any).__shifts);
/** The state each node of the job's graph is drawn in, by node id. */
const graphStates = (tab: Page) =>
  tab.locator("[data-node]").evaluateAll((nodes) => Object.fromEntries(nodes.map((node) => [node.getAttribute("data-node"), node.getAttribute("data-node-state")])));

/** The usage chart's visually hidden table: seconds as shown, by day as shown. */
const dailyTable = (tab: Page) =>
  tab.getByRole("table", { name: "Job seconds per day" }).locator("tbody tr").evaluateAll((rows) =>
    Object.fromEntries(rows.map((row) => [row.querySelector("th")!.textContent, row.querySelector("td")!.textContent])),
  );

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
  context = browser.context;
});

beforeEach(async () => {
  page = await signedInPage(context, server.managementKey);
});

afterEach(async () => {
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

describe("console", () => {
  it("signs in with a management key, shows account and space, signs out", async () => {
    await page.close();
    page = await context.newPage();
    await page.goto(`${server.base}/`);
    await page.getByLabel("Management key").fill("fjk_not_a_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBeTruthy();
    await screenshot(page, "sign-in-problem");

    await signIn(page, server.base, server.managementKey);
    const me = await call(server.base, server.managementKey, "GET", "/api/me");
    await expect.poll(() => page.getByTestId("account-name").textContent()).toBe(me.account.name);
    expect(await page.getByTestId("space-name").textContent()).toBe(me.space.name);
    expect(page.url()).not.toContain(server.managementKey);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(server.managementKey);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Management key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("shows jobs started by API as they arrive, with their state badges, without reloading", async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const hello = await start("hello", { name: "Ada" }, `hello-${run}`);
    const long = await start("countdown", { minutes: 1 }, `countdown-${run}`);
    await expect.poll(() => row(hello.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Completed");
    await expect.poll(() => row(long.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Running");
    expect(await page.locator("thead th").allTextContents()).toEqual(["State", "Job", "Flow", "Created", "Started", "Duration", "Execution", "Correlation id", "Actions"]);
    const cell = (label: string) => row(hello.jobId).locator(`td[data-label="${label}"]`).textContent();
    expect(await cell("Flow")).toBe("hello v1");
    expect(await cell("Correlation id")).toBe(`hello-${run}`);
    for (const label of ["Created", "Started"]) expect(await cell(label)).toMatch(/\d{2}:\d{2}/);
    expect(await cell("Duration")).toMatch(/^\d+(\.\d)? m?s$/);
    expect(await cell("Execution")).toMatch(/^[\d.]+ s$/);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await screenshot(page, "jobs");
    await call(server.base, server.managementKey, "POST", `/job/cancel/${long.jobId}`);
  });

  it("filters by state and flow and searches by correlation id", async () => {
    const busy = await start("busy", { n: 3 }, `busy-${run}`);
    await start("hello", { name: "Search" }, `search-${run}`);
    const canceled = await start("countdown", { minutes: 1 }, `canceled-${run}`);
    await call(server.base, server.managementKey, "POST", `/job/cancel/${canceled.jobId}`);
    await page.goto(`${server.base}/`);
    await expect.poll(() => row(busy.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Completed");

    // Each chip's count is the space's count in that state.
    await expect
      .poll(async () => {
        const { counts } = await call(server.base, server.managementKey, "GET", "/api/jobs/counts");
        const shown = await page.locator(".chip[data-state] .chip-count").allTextContents();
        return shown.join(",") === ["WAITING", "RUNNING", "COMPLETED", "ERROR", "CANCELING", "CANCELED"].map((state) => counts[state].count).join(",");
      }, { timeout: 15_000 })
      .toBe(true);
    await page.getByRole("button", { name: /^Canceled/ }).click();
    await expect.poll(() => page.locator("tbody .badge").allTextContents()).not.toContain("Completed");
    expect(new Set(await page.locator("tbody .badge").allTextContents())).toEqual(new Set(["Canceled"]));
    await page.getByRole("button", { name: "All", exact: true }).click();

    await page.getByLabel("Flow").selectOption("busy");
    await expect.poll(async () => new Set(await page.locator('tbody td[data-label="Flow"] a').allTextContents())).toEqual(new Set(["busy"]));
    await row(busy.jobId).waitFor();
    await page.getByLabel("Flow").selectOption("");

    await page.getByLabel("Search").fill(`search-${run}`);
    // Wait for the searched list itself (an earlier filter's list can briefly show one row too).
    await expect
      .poll(async () => {
        const texts = await page.locator("tbody tr").allTextContents();
        return texts.length === 1 && texts[0].includes(`search-${run}`);
      })
      .toBe(true);
    await page.getByLabel("Search").fill("no-such-job");
    await page.getByText("No jobs match these filters").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThan(2);
  });

  it("cancels all waiting jobs after a confirmation", async () => {
    const me = await call(server.base, server.managementKey, "GET", "/api/me");
    const jobs = [];
    for (let index = 0; index < me.account.parallelLimit + 2; index++) jobs.push(await start("countdown", { minutes: 1 }, `queue-${run}`));
    await page.goto(`${server.base}/`);
    await expect.poll(() => page.locator('tbody .badge[data-state="WAITING"]').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await page.getByRole("button", { name: "Cancel all waiting" }).click();
    await page.getByRole("button", { name: "Cancel all", exact: true }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/waiting jobs? canceled/);
    await expect.poll(() => page.locator('tbody .badge[data-state="WAITING"]').count()).toBe(0);
    for (const job of jobs) await call(server.base, server.managementKey, "POST", `/job/cancel/${job.jobId}`).catch(() => {});
  });

  it("follows a running job: highlighted node, streaming logs, cancel through Cancelling to Canceled", async () => {
    const job = await start("countdown", { minutes: 1 }, `watch-${run}`);
    await page.goto(`${server.base}/jobs/${job.jobId}`);
    await page.locator('[data-node-state="running"]').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId("logs").textContent(), { timeout: 30_000 }).toContain("tick 1 of 6");
    await expect.poll(() => page.getByTestId("logs").textContent(), { timeout: 30_000 }).toContain("tick 2 of 6");
    await screenshot(page, "job-running");

    await page.evaluate(() => {
      const seen: string[] = ((window as any).__states = []);
      const read = () => {
        const state = document.querySelector(".job-title .badge")?.getAttribute("data-state");
        if (state && seen[seen.length - 1] !== state) seen.push(state);
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByRole("group", { name: "Cancel this job?" }).getByRole("button", { name: "Cancel job" }).click();
    await expect.poll(() => page.locator(".job-title .badge").textContent(), { timeout: 15_000 }).toBe("Canceled");
    expect(await page.evaluate(() => (window as any).__states)).toEqual(["RUNNING", "CANCELING", "CANCELED"]);
    await page.getByText("JOB_USER_CANCELED").first().waitFor();
    // The nodes it was in (the loop and its WAIT) are drawn canceled, not running, as the API says.
    await page.locator('[data-node="nap"][data-node-state="canceled"]').waitFor();
    expect(await page.locator('[data-node-state="running"]').count()).toBe(0);
    expect(await graphStates(page)).toEqual((await call(server.base, server.managementKey, "GET", `/api/jobs/${job.jobId}`)).nodeStates);
    await screenshot(page, "job-canceled");
  });

  it("follows the logs of a running job, and holds still when follow is off", async () => {
    const chatty = Array.from({ length: 5 }, (_, index) => ({ id: `say${index}`, type: "LOG", name: `say${index}`, data: { message: `'line ' & lines.currentItem & '.${index}'` } }));
    await call(server.base, server.managementKey, "POST", "/api/rules", {
      name: "Chatty",
      alias: `chatty-${run}`,
      type: "integration-flow",
      publish: true,
      definition: {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "lines", type: "FOREACH", name: "lines", data: { items: "[1..60]" } },
          ...chatty,
          { id: "nap", type: "WAIT", name: "nap", data: { seconds: "1" } },
          { id: "end", type: "END", name: "end", data: { output: "{}" } },
        ],
        connections: [
          { source: "start", target: "lines" },
          { source: "lines", target: "say0", port: "loop" },
          ...chatty.slice(1).map((node, index) => ({ source: chatty[index].id, target: node.id })),
          { source: "say4", target: "nap" },
          { source: "lines", target: "end", port: "done" },
        ],
      },
    });
    const job = await start(`chatty-${run}`, {});
    await page.goto(`${server.base}/jobs/${job.jobId}`);
    const logs = page.getByTestId("logs");
    const box = () => logs.evaluate((element) => ({ top: element.scrollTop, bottom: element.scrollHeight - element.clientHeight, lines: element.querySelectorAll(".log-line").length }));
    // Follow (the default): the newest line stays in view as lines stream in.
    await expect.poll(async () => (await box()).bottom, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => { const now = await box(); return now.bottom - now.top; }).toBeLessThanOrEqual(1);
    await page.getByLabel("Follow").uncheck();
    const held = await box();
    await recordLayoutShifts(page);
    await expect.poll(async () => (await box()).lines, { timeout: 30_000 }).toBeGreaterThan(held.lines + 5);
    expect((await box()).top).toBe(held.top);
    // Lines, steps, the current node and the duration changed meanwhile; nothing on the page moved.
    expect(await layoutShifts(page)).toEqual([]);
    await page.getByLabel("Follow").check();
    await expect.poll(async () => { const now = await box(); return now.bottom - now.top; }).toBeLessThanOrEqual(1);
    await call(server.base, server.managementKey, "POST", `/job/cancel/${job.jobId}`);
  });

  const stockFlow = (limit: number) => ({
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "check", type: "ASSIGN", name: "check", data: { assign: { ok: `input.qty > ${limit} ? $error('out of stock') : true` } } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'ok': check.ok }" } },
    ],
    connections: [
      { source: "start", target: "check" },
      { source: "check", target: "end" },
    ],
  });

  it("shows a failed job: the failing node, status, timeline and collapsible input", async () => {
    await call(server.base, server.managementKey, "POST", "/api/rules", { name: "Stock check", alias: `stock-${run}`, type: "integration-flow", publish: true, definition: stockFlow(10) });
    const job = await start(`stock-${run}`, { qty: 12 });
    await page.goto(`${server.base}/jobs/${job.jobId}`);
    await expect.poll(() => page.locator(".job-title .badge").textContent(), { timeout: 30_000 }).toBe("Error");
    const detail = await call(server.base, server.managementKey, "GET", `/api/jobs/${job.jobId}`);
    const failure = await page.getByTestId("job-error").textContent();
    expect(failure).toContain(`“${detail.error.node}”`);
    expect(failure).toContain("out of stock");
    await page.locator('[data-node="check"][data-node-state="error"]').waitFor();
    expect(await page.locator('[data-node="start"]').getAttribute("data-node-state")).toBe("done");
    expect(await page.locator('[data-node="end"]').getAttribute("data-node-state")).not.toBe("done");
    const status = await page.locator(".status-line").textContent();
    expect(status).toContain(detail.status.code);
    expect(status).toContain(detail.status.message);
    expect(await page.locator(".timeline .badge").allTextContents()).toEqual(["Waiting", "Running", "Error"]);
    expect(await page.getByTestId("execution-seconds").textContent()).toMatch(/^[\d.,]+ s$/);

    const input = page.locator("details.json").filter({ hasText: "Input" });
    expect(await input.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(false);
    await input.locator("summary").click();
    expect(await input.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(true);
    expect(JSON.parse((await input.locator("pre").textContent())!)).toEqual({ qty: 12 });
    await screenshot(page, "job-error");

    // The flow page lists its versions, newest first, each with its own graph.
    await call(server.base, server.managementKey, "POST", `/api/rules/stock-${run}/versions`, { definition: stockFlow(100), publish: true });
    await page.goto(`${server.base}/flows/stock-${run}`);
    const versions = page.getByRole("group", { name: "Versions" }).getByRole("button");
    await expect.poll(async () => (await versions.allTextContents()).map((text) => text.trim().split(" ")[0])).toEqual(["v2", "v1"]);
    await expect.poll(() => page.locator(".flow-main h3").first().textContent()).toMatch(/^Version 2/);
    expect(await page.locator(".flow-main text.node-name").allTextContents()).toEqual(expect.arrayContaining(["start", "check", "end"]));
    await versions.nth(1).click();
    await expect.poll(() => page.locator(".flow-main h3").first().textContent()).toMatch(/^Version 1/);
    await page.getByRole("complementary", { name: "Jobs of this flow" }).locator(`a[href$="job=${job.jobId}"]`).waitFor();
  });

  it("pages back with Load more, newest first", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 55; index++) ids.push((await start("hello", { name: `Page ${index}` }, `many-${run}`)).jobId);
    await page.goto(`${server.base}/?q=many-${run}`);
    const shown = () => page.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-job-id")));
    await expect.poll(async () => (await shown()).length, { timeout: 30_000 }).toBe(50);
    expect(await shown()).toEqual([...ids].reverse().slice(0, 50));
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(shown).toEqual([...ids].reverse());
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
  });

  it("tells an empty space what to do next, and the curl line it shows works", async () => {
    const me = await call(server.base, server.managementKey, "GET", "/api/me");
    const space = await call(server.base, server.adminToken, "POST", `/api/admin/accounts/${me.account.id}/spaces`, { name: `Empty ${run}` });
    const management = await call(server.base, server.adminToken, "POST", `/api/admin/spaces/${space.id}/keys`, { kind: "management", name: "browser" });
    const solver = await call(server.base, server.adminToken, "POST", `/api/admin/spaces/${space.id}/keys`, { kind: "solver", name: "browser" });
    const hello = await call(server.base, server.managementKey, "GET", "/api/rules/hello");
    await call(server.base, management.key, "POST", "/api/rules", { name: "Hello", alias: "hello", type: "integration-flow", publish: true, definition: hello.definition });

    const empty = await signedInPage(context, management.key);
    try {
      await empty.goto(`${server.base}/`);
      await empty.getByText("No jobs yet").waitFor();
      const line = (await empty.locator(".empty pre.code").textContent())!;
      expect(line).toContain(`curl -X POST ${server.base}/job/start/hello`);
      await screenshot(empty, "jobs-empty");
      const response = await fetch(/curl -X POST (\S+)/.exec(line)![1], {
        method: "POST",
        headers: { authorization: `Bearer ${solver.key}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(202);
      const { jobId } = await response.json();
      await empty.locator(`tr[data-job-id="${jobId}"]`).waitFor({ timeout: 30_000 });
    } finally {
      await empty.close();
    }
  });

  it("shows a flow without jobs a curl line whose input passes the flow's inputSchema", async () => {
    const hello = await call(server.base, server.managementKey, "GET", "/api/rules/hello");
    const alias = `greet-${run}`;
    const inputSchema = {
      type: "object",
      required: ["name", "times", "tier"],
      properties: { name: { type: "string", minLength: 2, examples: ["Ada"] }, times: { type: "integer", minimum: 3 }, tier: { enum: ["gold", "silver"] } },
    };
    await call(server.base, server.managementKey, "POST", "/api/rules", { name: "Greet", alias, type: "integration-flow", publish: true, definition: { ...hello.definition, inputSchema } });
    await page.goto(`${server.base}/flows/${alias}`);
    await page.getByText("No jobs yet").waitFor({ timeout: 30_000 });
    const line = (await page.locator(".empty pre.code").textContent())!;
    expect(line).toContain(`curl -X POST ${server.base}/job/start/${alias}`);
    const body = /-d '(.*)'$/.exec(line)![1];
    expect(JSON.parse(body)).toEqual({ name: "Ada", times: 3, tier: "gold" });

    // Sent as the line sends it, the job passes START and completes.
    const response = await fetch(/curl -X POST (\S+)/.exec(line)![1], {
      method: "POST",
      headers: { authorization: `Bearer ${server.solverKey}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(202);
    const { jobId } = await response.json();
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", `/api/jobs/${jobId}`)).status.state, { timeout: 30_000 }).toBe("COMPLETED");
    await screenshot(page, "flow-empty-curl");
  });

  it("opens a job from the flow's Jobs panel and runs a finished job again", async () => {
    const job = await start("hello", { name: "Grace" });
    await page.goto(`${server.base}/flows/hello`);
    await page.getByRole("heading", { name: "Hello" }).waitFor();
    await screenshot(page, "flow");
    const panel = page.getByRole("complementary", { name: "Jobs of this flow" });
    await panel.locator(`a[href$="job=${job.jobId}"]`).click({ timeout: 30_000 });
    await expect.poll(() => page.locator(".job-title .badge").textContent(), { timeout: 30_000 }).toBe("Completed");
    expect(page.url()).toContain(`/flows/hello?job=${job.jobId}`);
    expect(await page.locator(".json").nth(1).textContent()).toContain("Hello, Grace");
    expect(await page.locator('[data-node-state="done"]').count()).toBe(4);
    await screenshot(page, "flow-job");

    await page.getByRole("button", { name: "Run again with the same input" }).click();
    await expect.poll(() => page.url()).not.toContain(job.jobId);
    const again = new URL(page.url()).searchParams.get("job")!;
    const rerun = await call(server.base, server.managementKey, "GET", `/api/jobs/${again}`);
    expect(rerun.inputData).toEqual({ name: "Grace" });
  });

  it("shows a missing job as a readable problem", async () => {
    await page.goto(`${server.base}/jobs/01NOSUCHJOB0000000000000000`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.locator("strong").textContent()).toMatch(/not found/i);
  });

  it("shows usage equal to GET /api/usage and switches pay-as-you-go", async () => {
    // Jobs of earlier tests may still be charging: compare a page loaded while the usage held still
    // (the same report before and after the load), so the page read exactly what the API reports.
    const report = () => call(server.base, server.managementKey, "GET", "/api/usage");
    let usage = await report();
    await expect
      .poll(
        async () => {
          const before = usage;
          await page.goto(`${server.base}/usage`);
          await page.getByTestId("used").waitFor();
          usage = await report();
          return JSON.stringify(usage) === JSON.stringify(before);
        },
        { timeout: 60_000, intervals: [500] },
      )
      .toBe(true);
    const value = async (id: string) => Number(await page.getByTestId(id).getAttribute("data-value"));
    expect(await value("used")).toBe(usage.usedSeconds);
    expect(await value("free-used-stat")).toBe(usage.freeUsedSeconds);
    expect(await value("overage")).toBe(usage.overageSeconds);
    expect(await value("unbilled")).toBe(usage.unbilledSeconds);
    expect(await value("cost")).toBe(usage.estimatedCost);
    expect(await page.getByRole("meter").getAttribute("aria-valuemax")).toBe(String(usage.freeSeconds));
    // One row per space that ran jobs; the chart's table (for screen readers) has each day's seconds.
    expect(await page.locator(".simple-table tbody tr").count()).toBe(Math.max(usage.bySpace.length, 1));
    for (const space of usage.bySpace) await page.locator(".simple-table tbody tr").filter({ hasText: space.name }).waitFor();
    const days = await dailyTable(page);
    for (const day of usage.daily) expect(days[formatDay(day.day)]).toBe(formatSeconds(day.usedSeconds));
    await screenshot(page, "usage");

    const before = usage.payAsYouGo as boolean;
    await page.getByRole("switch").click();
    await expect.poll(() => page.getByTestId("payg-sentence").textContent()).toContain(before ? "is off" : "is on");
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(!before);
    await page.getByRole("switch").click();
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(before);
  });

  it("shows the hovered day and its seconds in the daily usage chart (uPlot)", async () => {
    const job = await start("hello", { name: "Chart" });
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", `/api/jobs/${job.jobId}`)).status.state, { timeout: 30_000 }).toBe("COMPLETED");
    const usage = await call(server.base, server.managementKey, "GET", "/api/usage");
    const today = new Date().toISOString().slice(0, 10);
    const days = periodDays(usage.period);
    await page.goto(`${server.base}/usage`);
    const plot = page.getByTestId("daily-chart").locator(".u-over");
    await plot.waitFor();
    const legend = (label: string) => page.getByTestId("daily-chart").locator(".u-legend .u-series").filter({ hasText: label }).locator(".u-value");
    expect(await legend("Day").textContent()).toBe("—");

    // One slot per day of the period: the middle of today's slot is over today's bar.
    const box = (await plot.boundingBox())!;
    const slot = (day: string) => box.x + (box.width * (days.indexOf(day) + 0.5)) / days.length;
    await page.mouse.move(slot(today), box.y + box.height - 2);
    await expect.poll(() => legend("Day").textContent()).toBe(formatDay(today));
    const seconds = (await dailyTable(page))[formatDay(today)];
    expect(Number.parseFloat(seconds.replace(/,/g, ""))).toBeGreaterThan(0);
    expect(await legend("Job seconds").textContent()).toBe(seconds);
    await screenshot(page, "usage-chart-hover");

    // A day still to come is named, without seconds.
    const later = days.find((day) => day > today);
    if (later) {
      await page.mouse.move(slot(later), box.y + box.height / 2);
      await expect.poll(() => legend("Day").textContent()).toBe(formatDay(later));
      expect(await legend("Job seconds").textContent()).toBe("—");
    }
  });

  it("creates a webhook, shows its secret once, lists deliveries, redelivers and gives it a new secret", async () => {
    const received: string[] = [];
    const bodies: { body: string; headers: Record<string, string> }[] = [];
    const receiver: Server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push(String(request.headers["webhook-id"]));
        bodies.push({ body, headers: request.headers as Record<string, string> });
        response.writeHead(200).end("ok");
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
    try {
      await page.goto(`${server.base}/webhooks`);
      await page.getByRole("button", { name: "New webhook" }).click();
      await page.getByLabel("URL").fill(`http://127.0.0.1:${port}/hook`);
      await page.getByRole("button", { name: "Create webhook" }).click();
      const secret = (await page.getByTestId("webhook-secret").textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
      await page.getByRole("button", { name: "Copy" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
      await screenshot(page, "webhook-created");
      // Shown once: after Done, and on a fresh load, the secret is nowhere on the page.
      await page.getByRole("button", { name: "Done" }).click();
      await page.reload();
      await page.locator(".webhook").first().waitFor();
      expect(await page.content()).not.toContain(secret);

      await start("hello", { name: "Hook" });
      const card = page.locator(".webhook").filter({ hasText: `127.0.0.1:${port}` });
      await card.getByRole("button", { name: "Show deliveries" }).click();
      await card.locator('[data-delivery-status="succeeded"]').first().waitFor({ timeout: 60_000 });
      expect(await card.locator(".attempts").first().textContent()).toContain("200");
      // Attempts are named in words, with what a retry and a redelivery are said once above them.
      expect(await card.locator(".attempts li .attempt-label").first().textContent()).toBe("First try");
      expect(await card.getByTestId("attempts-explained").textContent()).toMatch(/retried on its own.*Redeliver starts the tries over/);
      await screenshot(page, "webhook-deliveries");

      await card.getByRole("button", { name: "Redeliver" }).first().click();
      await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => card.locator(".attempts li").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      const redelivered = card.locator(".delivery").filter({ has: page.locator(".attempt-label", { hasText: "Redelivery 1" }) });
      await expect.poll(() => redelivered.locator(".attempt-label").allTextContents(), { timeout: 30_000 }).toEqual(["First try", "Redelivery 1"]);
      expect(await card.locator(".attempts").first().textContent()).not.toMatch(/#\d+\.\d+/);

      // A new secret, asked once more, shown once. Kept 24 h, the old one signs beside it (the card says
      // until when); replaced now, the next delivery is signed with the newest alone.
      const renew = async (choice: string) => {
        await card.getByRole("button", { name: "New secret" }).click();
        await card.getByRole("button", { name: choice }).click();
        await page.getByRole("heading", { name: "New signing secret" }).waitFor();
        const shown = (await page.getByTestId("webhook-secret").textContent())!;
        expect(shown).toMatch(/^whsec_/);
        return shown;
      };
      const signedFor = async (name: string) => {
        await start("hello", { name });
        await expect.poll(() => bodies.some((request) => request.body.includes(`Hello, ${name}`)), { timeout: 60_000 }).toBe(true);
        return bodies.find((request) => request.body.includes(`Hello, ${name}`))!;
      };
      const kept = await renew("Keep old 24 h");
      expect(kept).not.toBe(secret);
      expect(await page.locator(".secret-card").textContent()).toContain("the old one also signs until");
      await screenshot(page, "webhook-new-secret");
      await page.getByRole("button", { name: "Done" }).click();
      await expect.poll(() => card.getByTestId("webhook-filter").textContent()).toContain("the previous secret also signs until");
      const during = await signedFor("Grace");
      expect([verifiesWith(kept, during), verifiesWith(secret, during)]).toEqual([true, true]);
      const replaced = await renew("Replace now");
      expect(await page.locator(".secret-card").textContent()).toContain("the old one no longer verifies");
      await page.getByRole("button", { name: "Done" }).click();
      const after = await signedFor("Renewed");
      expect([verifiesWith(replaced, after), verifiesWith(kept, after)]).toEqual([true, false]);

      await card.getByRole("switch").click();
      await expect.poll(() => card.locator(".badge").first().textContent()).toBe("Disabled");

      // Edit (the card turns into the form, so find it by id rather than by its URL text).
      const id = await card.getAttribute("data-webhook-id");
      const same = page.locator(`.webhook[data-webhook-id="${id}"]`);
      await same.getByRole("button", { name: "Edit" }).click();
      await same.getByLabel("URL").fill(`http://127.0.0.1:${port}/edited`);
      await same.getByLabel("JOB.CANCELED").uncheck();
      await same.getByRole("button", { name: "Save" }).click();
      await same.getByText(`http://127.0.0.1:${port}/edited`).waitFor();
      const hooks = (await call(server.base, server.managementKey, "GET", "/api/webhooks")).items;
      const saved = hooks.find((hook: { id: string }) => hook.id === id);
      expect([saved.url, new Set(saved.events), saved.enabled]).toEqual([`http://127.0.0.1:${port}/edited`, new Set(["JOB.COMPLETED", "JOB.ERROR"]), false]);
    } finally {
      receiver.close();
    }
  });

  it("creates an API key shown once, copies it, uses it, and deletes it from the keyboard", async () => {
    const name = `browser-${run}`;
    const meWith = (key: string) => fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    await page.goto(`${server.base}/keys`);
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Management").check();
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("api-key-secret").textContent())!;
    expect(key).toMatch(/^fjk_[0-9A-Z]{26}_/);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    await page.getByRole("button", { name: "Copy" }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(key);
    const me = await meWith(copied);
    expect(me.status).toBe(200);
    expect((await me.json()).key).toMatchObject({ name, kind: "management" });
    await screenshot(page, "key-created");

    // Shown once: after Done, and on a fresh load, the key is nowhere on the page; its use is.
    await page.getByRole("button", { name: "Done" }).click();
    await page.reload();
    const keyRow = page.locator("tr[data-key-id]").filter({ hasText: name });
    await keyRow.waitFor();
    expect(await page.content()).not.toContain(key);
    expect(await keyRow.locator('td[data-label="Kind"]').textContent()).toBe("Management");
    expect(await keyRow.locator('td[data-label="Last used"]').textContent()).toMatch(/\d{2}:\d{2}/);

    // Delete in place: Enter on Delete, Enter on the focused confirmation; the row does not grow.
    const height = (await keyRow.boundingBox())!.height;
    await tabTo(page, keyRow.getByRole("button", { name: "Delete" }));
    await page.keyboard.press("Enter");
    await keyRow.getByText(`Delete “${name}”?`).waitFor();
    expect((await keyRow.boundingBox())!.height).toBe(height);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete key");
    await screenshot(page, "key-delete-confirm");
    await page.keyboard.press("Enter");
    await keyRow.waitFor({ state: "detached" });
    await expect.poll(async () => (await meWith(key)).status, { timeout: 15_000 }).toBe(401);
    const listed = (await call(server.base, server.managementKey, "GET", "/api/keys")).items;
    expect(listed.map((item: { name: string }) => item.name)).not.toContain(name);
  });

  it("works from the keyboard alone, with the focus always visible", async () => {
    const job = await start("countdown", { minutes: 1 }, `keys-${run}`);
    await page.close();
    page = await context.newPage();
    await page.goto(`${server.base}/`);
    // The focused element shows a ring (for the switch, its track does).
    const focusShows = () =>
      page.evaluate(() => {
        const element = document.activeElement;
        if (!element || element === document.body || !element.matches(":focus-visible")) return false;
        return [element, element.nextElementSibling].some((node) => node && getComputedStyle(node).outlineStyle !== "none");
      });

    await tabTo(page, page.getByLabel("Management key"));
    await page.keyboard.type(server.managementKey);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Main" }).waitFor();

    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");

    // Cancel a job from its row: Enter on Cancel, then Enter on the confirmation (focused for you).
    await tabTo(page, row(job.jobId).getByRole("button", { name: "Cancel" }));
    expect(await focusShows()).toBe(true);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", `/job/${job.jobId}`)).status.state).toMatch(/^CANCEL/);

    await tabTo(page, page.getByRole("button", { name: /^Canceled/ }));
    expect(await focusShows()).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.url()).toContain("state=CANCELED");
    await tabTo(page, row(job.jobId).getByRole("link", { name: job.jobId }));
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/jobs/${job.jobId}`);
    await page.locator(".job-title .badge").waitFor();

    await tabTo(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Usage" }));
    expect(await focusShows()).toBe(true);
    await page.keyboard.press("Enter");
    await tabTo(page, page.getByRole("switch"));
    expect(await focusShows()).toBe(true);
    const before = (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo as boolean;
    await page.keyboard.press("Space");
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(!before);
    await page.keyboard.press("Space");
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(before);
  });

  it("keeps rows and columns still while states change live", async () => {
    const jobs = [];
    for (let index = 0; index < 3; index++) jobs.push(await start("countdown", { minutes: 1 }, `still-${run}-${index}`));
    await page.goto(`${server.base}/?flow=countdown`);
    for (const job of jobs) await expect.poll(() => row(job.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Running");
    // Where every header cell and every row is, and any layout shift from here on (user input aside).
    const geometry = () =>
      page.evaluate(() => ({
        columns: [...document.querySelectorAll("thead th")].map((cell) => [Math.round(cell.getBoundingClientRect().x), Math.round(cell.getBoundingClientRect().width)]),
        rows: [...document.querySelectorAll("tbody tr")].map((tr) => [tr.getAttribute("data-job-id"), Math.round(tr.getBoundingClientRect().y), Math.round(tr.getBoundingClientRect().height)]),
        chips: [...document.querySelectorAll(".chip")].map((chip) => Math.round(chip.getBoundingClientRect().width)),
      }));
    const before = await geometry();
    await recordLayoutShifts(page);

    // Durations tick while they run, then each goes Running → Cancelling → Canceled and loses its
    // Cancel button; the chips' counts change too.
    await expect.poll(() => row(jobs[0].jobId).locator('td[data-label="Duration"]').textContent(), { timeout: 15_000 }).toMatch(/^\d+\.\d s$/);
    for (const job of jobs) await call(server.base, server.managementKey, "POST", `/job/cancel/${job.jobId}`);
    for (const job of jobs) await expect.poll(() => row(job.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Canceled");
    await expect.poll(async () => (await geometry()).chips).toEqual(before.chips);
    expect(await layoutShifts(page)).toEqual([]);
    expect(await geometry()).toEqual(before);
    await screenshot(page, "jobs-still");
  });

  it("keeps the row being read in place when new jobs arrive above it", async () => {
    for (let index = 0; index < 20; index++) await start("hello", { name: `Row ${index}` }, `reading-${run}`);
    await page.setViewportSize({ width: 1360, height: 600 });
    await page.goto(`${server.base}/`);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
    const reading = page.locator("tbody tr").nth(12);
    const jobId = await reading.getAttribute("data-job-id");
    await reading.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    const y = async () => (await row(jobId!).boundingBox())!.y;
    const before = await y();

    const arrived = await start("hello", { name: "Newcomer" }, `arrived-${run}`);
    await row(arrived.jobId).waitFor({ state: "attached", timeout: 30_000 });
    // Within a pixel: rows are 43.5 px tall and the scroll offset snaps to whole pixels.
    expect(Math.abs((await y()) - before)).toBeLessThanOrEqual(1);
  });

  it("renders a decision table's page from the Flows page: its hit policy, columns and rows", async () => {
    const alias = `prices-${run}`;
    await call(server.base, server.managementKey, "POST", "/api/rules", {
      name: `Prices ${run}`,
      alias,
      type: "decision-table",
      publish: true,
      definition: {
        hitPolicy: "FIRST_MATCH",
        inputs: [{ id: "tier", expression: "customer.tier", name: "Tier" }, { id: "qty", expression: "qty" }],
        outputs: [{ id: "price", path: "price.unit", name: "Unit price" }, { id: "note", path: "note" }],
        rows: [
          { conditions: { tier: { op: "=", value: "gold" }, qty: { op: ">=", value: 10 } }, outputs: { price: { value: 8 }, note: { expression: "'bulk ' & qty" } }, description: "Gold bulk" },
          { conditions: { qty: { op: "BTW", value: [1, 9] } }, outputs: { price: { value: 10 } } },
          { active: false, conditions: { tier: { op: "IN", value: ["test", "demo"] } }, outputs: { price: { value: 0 } } },
        ],
      },
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.base}/flows`);
    await page.getByRole("link", { name: new RegExp(`Prices ${run}`) }).click();
    await page.getByTestId("hit-policy").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/flows/${alias}`);
    expect(errors).toEqual([]);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await page.getByTestId("hit-policy").textContent()).toMatch(/First match/);
    const header = (await page.locator(".decision-table thead th").allTextContents()).map((text) => text.replace(/\s+/g, " ").trim());
    expect(header).toEqual(["#", "when Tier customer.tier", "when qty qty", "then Unit price → price.unit", "then note → note", "Description"]);
    const rows = await page.locator(".decision-table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
    expect(rows).toEqual([
      ["1", '= "gold"', "≥ 10", "8", "'bulk ' & qty", "Gold bulk"],
      ["2", "any", "between 1 and 9", "10", "null", ""],
      ["3 inactive", 'in "test", "demo"', "any", "0", "null", ""],
    ]);
    // The decision table has no jobs: no jobs panel, no "start a job" hint.
    expect(await page.getByRole("complementary", { name: "Jobs of this flow" }).count()).toBe(0);
    await screenshot(page, "decision-table");
  });

  it("shows job and correlation ids readable and distinct per row, the whole id on hover and copy", async () => {
    // Correlation ids that share a long prefix, as ULID job ids share their time prefix.
    const jobs = [];
    for (let index = 1; index <= 4; index++) jobs.push(await start("hello", { name: `Id ${index}` }, `ids-${run}-customer-order-2030-01-05-000${index}`));
    await page.goto(`${server.base}/`);
    for (const job of jobs) await row(job.jobId).waitFor({ timeout: 30_000 });
    /** What a reader sees of the id in a cell: its text, its hover text, and which of its characters are in view. */
    const shown = (jobId: string, label: string) =>
      row(jobId)
        .locator(`td[data-label="${label}"]`)
        .evaluate((cell) => {
          const id = cell.querySelector(".id-text")!;
          const text = id.querySelector("bdi")!.firstChild!;
          const box = id.getBoundingClientRect();
          const inView = (index: number) => {
            const range = document.createRange();
            range.setStart(text, index);
            range.setEnd(text, index + 1);
            const glyph = range.getBoundingClientRect();
            return glyph.left >= box.left - 0.5 && glyph.right <= box.right + 0.5;
          };
          const length = text.textContent!.length;
          const visible = [...text.textContent!].filter((_, index) => inView(index)).join("");
          return { text: id.textContent, title: id.getAttribute("title"), visible, endInView: inView(length - 1) && box.right <= cell.getBoundingClientRect().right + 0.5 };
        });
    const seen = { Job: new Set<string>(), "Correlation id": new Set<string>() };
    for (const [index, job] of jobs.entries()) {
      const correlationId = `ids-${run}-customer-order-2030-01-05-000${index + 1}`;
      for (const [label, id] of [["Job", job.jobId], ["Correlation id", correlationId]] as const) {
        const cell = await shown(job.jobId, label);
        expect(cell).toMatchObject({ text: id, title: id, endInView: true });
        // At least the last eight characters show (a ULID's random part), and the id ends with what shows.
        expect(cell.visible.length).toBeGreaterThanOrEqual(8);
        expect(id.endsWith(cell.visible)).toBe(true);
        seen[label].add(cell.visible);
      }
    }
    expect(seen.Job.size).toBe(jobs.length);
    expect(seen["Correlation id"].size).toBe(jobs.length);
    // Selecting the cut id selects all of it: a copy is the whole id.
    const selected = await row(jobs[0].jobId).locator('td[data-label="Correlation id"] .id-text').evaluate((element) => {
      getSelection()!.selectAllChildren(element);
      return getSelection()!.toString();
    });
    expect(selected).toBe(`ids-${run}-customer-order-2030-01-05-0001`);
    await screenshot(page, "jobs-ids");
  });

  it("shows the alias a webhook's flow filter was given, not the rule id", async () => {
    const hello = await call(server.base, server.managementKey, "GET", "/api/rules/hello");
    const port = await freePort();
    await page.goto(`${server.base}/webhooks`);
    await page.getByRole("button", { name: "New webhook" }).click();
    await page.getByLabel("URL").fill(`http://127.0.0.1:${port}/alias-${run}`);
    await page.getByLabel(/^Flows/).fill("hello");
    await page.getByRole("button", { name: "Create webhook" }).click();
    await page.getByRole("button", { name: "Done" }).click();
    const card = page.locator(".webhook").filter({ hasText: `alias-${run}` });
    await expect.poll(() => card.getByTestId("webhook-filter").textContent()).toContain("flows: hello");
    expect(await card.textContent()).not.toContain(hello.ruleId);
    // Stored as the rule id (what deliveries match on), edited as the alias.
    const id = await card.getAttribute("data-webhook-id");
    const hooks = (await call(server.base, server.managementKey, "GET", "/api/webhooks")).items;
    expect(hooks.find((hook: { id: string }) => hook.id === id).flows).toEqual([hello.ruleId]);
    await card.getByRole("button", { name: "Edit" }).click();
    expect(await page.locator(`.webhook[data-webhook-id="${id}"]`).getByLabel(/^Flows/).inputValue()).toBe("hello");
    await call(server.base, server.managementKey, "DELETE", `/api/webhooks/${id}`);
  });

  it("formats every time one way on each page", async () => {
    const job = await start("hello", { name: "Clock" }, `clock-${run}`);
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", `/job/${job.jobId}`)).status.state, { timeout: 30_000 }).toBe("COMPLETED");
    const shape = /^[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}:\d{2}$/;
    for (const [path, ready] of [
      ["/", () => row(job.jobId).waitFor()],
      [`/jobs/${job.jobId}`, () => page.getByTestId("logs").getByText("Hello, Clock").waitFor()],
      ["/keys", () => page.locator("tr[data-key-id]").first().waitFor()],
      ["/flows/hello", () => page.locator(".panel-item").first().waitFor()],
    ] as const) {
      await page.goto(`${server.base}${path}`);
      await ready();
      const { times, stray } = await page.evaluate(() => {
        const times = [...document.querySelectorAll("main time")].map((element) => element.textContent!);
        // Any other time or date in the page's text is a second format.
        const main = document.querySelector("main")!.cloneNode(true) as HTMLElement;
        main.querySelectorAll("time, pre").forEach((element) => element.remove());
        const stray = main.textContent!.match(/\b\d{1,2}:\d{2}:\d{2}\b|\b\d{1,2}:\d{2}\s?[AP]M\b|\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g) ?? [];
        return { times, stray };
      });
      expect(times.length, path).toBeGreaterThan(0);
      for (const time of times) expect(time, path).toMatch(shape);
      expect(stray, path).toEqual([]);
    }
  });

  it("paints the sidebar the whole length of a long page", async () => {
    for (let index = 0; index < 20; index++) await start("hello", { name: `Long ${index}` }, `long-${run}`);
    await page.setViewportSize({ width: 1360, height: 500 });
    await page.goto(`${server.base}/`);
    await expect.poll(() => page.locator("tbody tr").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
    const column = () =>
      page.evaluate(() => {
        const sidebar = document.querySelector(".sidebar")!.getBoundingClientRect();
        const nav = document.querySelector('nav[aria-label="Main"]')!.getBoundingClientRect();
        const bottomLeft = document.elementFromPoint(20, innerHeight - 5);
        return {
          pageHeight: document.documentElement.scrollHeight,
          sidebarHeight: Math.round(sidebar.height),
          viewport: innerHeight,
          navInView: nav.top >= 0 && nav.bottom <= innerHeight,
          bottomLeftInSidebar: Boolean(bottomLeft?.closest(".sidebar")),
        };
      });
    const top = await column();
    expect(top.pageHeight).toBeGreaterThan(top.viewport * 2);
    expect(top.sidebarHeight).toBeGreaterThanOrEqual(top.pageHeight - 1);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await column()).toMatchObject({ navInView: true, bottomLeftInSidebar: true });
    await screenshot(page, "sidebar-long-page");

    // Every page taller than the window: a flow's graph, a job's detail, the usage page.
    const [job] = (await call(server.base, server.managementKey, "GET", `/api/jobs?q=long-${run}`)).items;
    for (const path of ["/flows/orders", `/jobs/${job.jobId}`, "/usage"]) {
      await page.goto(`${server.base}${path}`);
      await page.locator(".page h1, .job-title h2").first().waitFor();
      const long = await column();
      expect(long.pageHeight, path).toBeGreaterThan(long.viewport);
      expect(long.sidebarHeight, path).toBeGreaterThanOrEqual(long.pageHeight - 1);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      expect(await column(), path).toMatchObject({ navInView: true, bottomLeftInSidebar: true });
    }

    // Nor does the shell end short of the page's width: a table scrolling in its box (narrower than
    // the jobs table) keeps its visually hidden column heading inside it.
    await page.setViewportSize({ width: 1000, height: 500 });
    await page.goto(`${server.base}/`);
    await page.locator("tbody tr").first().waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1000);
    expect(await page.evaluate(() => document.querySelector(".shell")!.getBoundingClientRect().width)).toBe(1000);
  });

  it("shows a whole 20-character flow name in the jobs table, a longer one cut with its whole name on hover", async () => {
    const hello = await call(server.base, server.managementKey, "GET", "/api/rules/hello");
    const twenty = `sync-${run}-customers`.slice(0, 20);
    const longer = `nightly-customer-sync-${run}`;
    expect(twenty).toHaveLength(20);
    const jobs: Record<string, string> = {};
    for (const alias of [twenty, longer]) {
      await call(server.base, server.managementKey, "POST", "/api/rules", { name: alias, alias, type: "integration-flow", publish: true, definition: hello.definition });
      jobs[alias] = (await start(alias, { name: "Long" })).jobId;
    }
    await page.goto(`${server.base}/`);
    const cell = (alias: string) =>
      row(jobs[alias]).locator('td[data-label="Flow"]').evaluate((td) => {
        const name = td.querySelector("a")!;
        const version = td.querySelector(".muted")!.getBoundingClientRect();
        return {
          text: name.textContent,
          title: td.getAttribute("title"),
          nameCut: name.scrollWidth > name.clientWidth,
          versionInCell: version.width > 0 && version.right <= td.getBoundingClientRect().right - parseFloat(getComputedStyle(td).paddingRight) + 0.5,
        };
      });
    await row(jobs[twenty]).waitFor({ timeout: 30_000 });
    expect(await cell(twenty)).toEqual({ text: twenty, title: `${twenty} v1`, nameCut: false, versionInCell: true });
    await row(jobs[longer]).waitFor({ timeout: 30_000 });
    expect(await cell(longer)).toEqual({ text: longer, title: `${longer} v1`, nameCut: true, versionInCell: true });
    await screenshot(page, "jobs-flow-names");
  });

  it("draws both branches of a SWITCH that alternates inside a FOREACH done, with run counts, as the API says", async () => {
    const alias = `alternating-${run}`;
    await call(server.base, server.managementKey, "POST", "/api/rules", {
      name: "Alternating",
      alias,
      type: "integration-flow",
      publish: true,
      definition: alternatingFlow,
    });
    const job = await start(alias, { items: [1, 2, 3, 4, 5] });
    await page.goto(`${server.base}/jobs/${job.jobId}`);
    await expect.poll(() => page.locator(".job-title .badge").textContent(), { timeout: 30_000 }).toBe("Completed");
    await page.locator('[data-node="odd"][data-node-state="done"]').waitFor();
    const detail = await call(server.base, server.managementKey, "GET", `/api/jobs/${job.jobId}`);
    expect(await graphStates(page)).toEqual(detail.nodeStates);
    expect(detail.nodeStates).toMatchObject({ even: "done", odd: "done" });
    const badge = (id: string) => page.locator(`[data-node="${id}"] .run-badge text`).textContent();
    expect([await badge("route"), await badge("even"), await badge("odd")]).toEqual(["×5", "×3", "×2"]);
    expect(await page.locator('[data-node="start"] .run-badge').count()).toBe(0);
    await screenshot(page, "job-alternating");
  });

  it("fits a 375 px wide phone", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [path, name] of [["/", "phone-jobs"], ["/usage", "phone-usage"], ["/flows/countdown", "phone-flow"], ["/keys", "phone-keys"]] as const) {
      await page.goto(`${server.base}${path}`);
      await page.locator(".page h1").first().waitFor();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, name);
    }
  });
});
