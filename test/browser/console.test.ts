/// <reference types="node" />
// The console in a real browser (Debian's Chromium via playwright-core) against `npm start`:
// sign in, live jobs list, filters and search, a running job's graph and logs, cancel, the flow
// page, usage and pay-as-you-go, webhooks with deliveries, and the phone layout.
import { createServer, type Server } from "node:http";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, screenshot, signIn } from "./browser";
import { call, freePort, startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Awaited<ReturnType<typeof launch>>;
let context: BrowserContext;
let page: Page;
const run = Date.now().toString(36);

const start = (flow: string, input: object, correlationId?: string) =>
  call<{ jobId: string }>(server.base, server.solverKey, "POST", `/job/start/${flow}`, input, correlationId ? { "x-correlation-id": correlationId } : {});
const row = (jobId: string) => page.locator(`tr[data-job-id="${jobId}"]`);

beforeAll(async () => {
  server = await startServer();
  browser = await launch();
  context = browser.context;
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

describe("console", () => {
  it("signs in with a management key, shows account and space, signs out", async () => {
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
    await signIn(page, server.base, server.managementKey);
  });

  it("shows jobs started by API as they arrive, with their state badges, without reloading", async () => {
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const hello = await start("hello", { name: "Ada" }, `hello-${run}`);
    const long = await start("countdown", { minutes: 1 }, `countdown-${run}`);
    await expect.poll(() => row(hello.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Completed");
    await expect.poll(() => row(long.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Running");
    expect(await row(hello.jobId).textContent()).toContain(`hello-${run}`);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await screenshot(page, "jobs");
    await call(server.base, server.managementKey, "POST", `/job/cancel/${long.jobId}`);
  });

  it("filters by state and flow and searches by correlation id", async () => {
    const busy = await start("busy", { n: 3 }, `busy-${run}`);
    await start("hello", { name: "Search" }, `search-${run}`);
    await page.goto(`${server.base}/`);
    await expect.poll(() => row(busy.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Completed");

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
    await screenshot(page, "job-canceled");
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
    await page.goto(`${server.base}/usage`);
    await page.getByTestId("used").waitFor();
    const usage = await call(server.base, server.managementKey, "GET", "/api/usage");
    const value = async (id: string) => Number(await page.getByTestId(id).getAttribute("data-value"));
    expect(await value("used")).toBe(usage.usedSeconds);
    expect(await value("free-used-stat")).toBe(usage.freeUsedSeconds);
    expect(await value("overage")).toBe(usage.overageSeconds);
    expect(await value("unbilled")).toBe(usage.unbilledSeconds);
    expect(await value("cost")).toBe(usage.estimatedCost);
    expect(await page.getByRole("meter").getAttribute("aria-valuemax")).toBe(String(usage.freeSeconds));
    await screenshot(page, "usage");

    const before = usage.payAsYouGo as boolean;
    await page.getByRole("switch").click();
    await expect.poll(() => page.getByTestId("payg-sentence").textContent()).toContain(before ? "is off" : "is on");
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(!before);
    await page.getByRole("switch").click();
    await expect.poll(async () => (await call(server.base, server.managementKey, "GET", "/api/usage")).payAsYouGo).toBe(before);
  });

  it("creates a webhook, shows its secret once, lists deliveries and redelivers", async () => {
    const received: string[] = [];
    const receiver: Server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        received.push(String(request.headers["webhook-id"]));
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
      expect(await page.getByTestId("webhook-secret").textContent()).toMatch(/^whsec_/);
      await screenshot(page, "webhook-created");

      await start("hello", { name: "Hook" });
      const card = page.locator(".webhook").filter({ hasText: `127.0.0.1:${port}` });
      await card.getByRole("button", { name: "Show deliveries" }).click();
      await card.locator('[data-delivery-status="succeeded"]').first().waitFor({ timeout: 60_000 });
      expect(await card.locator(".attempts").first().textContent()).toContain("200");
      await screenshot(page, "webhook-deliveries");

      await card.getByRole("button", { name: "Redeliver" }).first().click();
      await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => card.locator(".attempts li").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

      await card.getByRole("switch").click();
      await expect.poll(() => card.locator(".badge").first().textContent()).toBe("Disabled");
    } finally {
      receiver.close();
    }
  });

  it("fits a 375 px wide phone", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [path, name] of [["/", "phone-jobs"], ["/usage", "phone-usage"], ["/flows/countdown", "phone-flow"]] as const) {
      await page.goto(`${server.base}${path}`);
      await page.locator(".page h1").first().waitFor();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, name);
    }
    await page.setViewportSize({ width: 1360, height: 900 });
  });
});
