/// <reference types="node" />
// The loop progress bar (progress.loop) in a real browser against `npm start`: on the job page it
// moves while a FOREACH runs and reaches its length; in the jobs list a thin bar under the state; a
// job canceled in the loop says where it stopped. Each iteration WAITs, and a runner going to sleep
// mirrors its progress at once, so the bar moves every iteration rather than every 15 s.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launch, screenshot, signedInPage } from "./browser";
import { call, startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Awaited<ReturnType<typeof launch>>;
let context: BrowserContext;
let page: Page;
const alias = `ticks-${Date.now().toString(36)}`;
const TICKS = 6;

/** FOREACH `tick` over input.items, WAITing `input.seconds` in each iteration. */
const ticksFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "tick", data: { items: "input.items" } },
    { id: "nap", type: "WAIT", name: "nap", data: { seconds: "input.seconds" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'ticks': tick.length }" } },
  ],
  connections: [
    { source: "start", target: "each" },
    { source: "each", target: "nap", port: "loop" },
    { source: "each", target: "end", port: "done" },
  ],
};

const start = (seconds: number) =>
  call<{ jobId: string }>(server.base, server.solverKey, "POST", `/job/start/${alias}`, { items: Array.from({ length: TICKS }, (_, index) => index), seconds });
const jobBar = () => page.getByTestId("job-loop").getByRole("progressbar");
const valueNow = async () => Number(await jobBar().getAttribute("aria-valuenow"));

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
  context = browser.context;
  await call(server.base, server.managementKey, "POST", "/api/rules", { name: "Ticks", alias, type: "integration-flow", definition: ticksFlow, publish: true });
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

describe("loop progress", () => {
  it("moves on the job page while a FOREACH runs, reaches its length, and is gone once the job completed", async () => {
    const { jobId } = await start(2);
    await page.goto(`${server.base}/jobs/${jobId}`);
    await expect.poll(() => jobBar().count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId("job-loop").textContent()).toContain("Loop “tick”");
    expect(await jobBar().getAttribute("aria-valuemax")).toBe(String(TICKS));
    const first = await valueNow();
    await expect.poll(valueNow, { timeout: 30_000 }).toBeGreaterThan(first);
    await expect.poll(() => page.getByTestId("job-loop").textContent(), { timeout: 30_000 }).toMatch(/\d \/ 6 \(\d+ %\)/);
    await screenshot(page, "job-progress");
    // The last iteration: full.
    await expect.poll(valueNow, { timeout: 30_000 }).toBe(TICKS);
    expect(await page.getByTestId("job-loop").textContent()).toContain("6 / 6 (100 %)");
    await expect.poll(() => page.locator(".job-header .badge").textContent(), { timeout: 30_000 }).toBe("Completed");
    expect(await page.getByTestId("job-loop").count()).toBe(0);
  });

  it("shows a thin bar under the state of a job in a loop in the jobs list, only while it runs", async () => {
    const { jobId } = await start(30);
    await page.goto(`${server.base}/?flow=${alias}`);
    const bar = page.locator(`tr[data-job-id="${jobId}"] td[data-label="State"] [role="progressbar"]`);
    await expect.poll(() => bar.count(), { timeout: 60_000 }).toBe(1);
    expect(await bar.getAttribute("aria-valuetext")).toBe(`1 / ${TICKS} (16 %)`);
    expect(await bar.getAttribute("title")).toBe(`1 / ${TICKS} (16 %)`);
    // Out of the flow: the row is as tall as one without a bar.
    const rowHeights = await page.locator("tbody tr").evaluateAll((rows) => rows.map((row) => Math.round(row.getBoundingClientRect().height)));
    expect(new Set(rowHeights).size).toBe(1);
    await screenshot(page, "jobs-progress");

    await call(server.base, server.managementKey, "POST", `/job/cancel/${jobId}`);
    await expect.poll(() => page.locator(`tr[data-job-id="${jobId}"] .badge`).textContent(), { timeout: 30_000 }).toBe("Canceled");
    expect(await bar.count()).toBe(0);

    // Its page says where it stopped.
    await page.goto(`${server.base}/jobs/${jobId}`);
    await expect.poll(() => page.getByTestId("job-loop").textContent(), { timeout: 30_000 }).toContain("Stopped in loop “tick”");
    expect(await jobBar().getAttribute("aria-valuetext")).toBe(`1 / ${TICKS} (16 %)`);
  });
});
