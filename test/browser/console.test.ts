/// <reference types="node" />
// The console in a real browser (Debian's Chromium via playwright-core) against `npm start`:
// sign in, live jobs list, filters and search, a running job's graph and logs, cancel, the flow
// page, usage and pay-as-you-go, webhooks with deliveries, keyboard use, rows that stay still
// under live updates, and the phone layout. Each test has its own signed-in tab.
import { createServer, type Server } from "node:http";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
    expect(await row(hello.jobId).textContent()).toContain(`hello-${run}`);
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
    await tabTo(page, row(job.jobId).getByRole("link", { name: /…/ }));
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
    await page.evaluate(() => {
      const shifts: { value: number; sources: string[] }[] = ((window as any).__shifts = []);
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as any[]) {
          if (!entry.hadRecentInput) shifts.push({ value: entry.value, sources: entry.sources.map((source: any) => source.node?.outerHTML?.slice(0, 80)) });
        }
      }).observe({ type: "layout-shift" });
    });

    // Durations tick while they run, then each goes Running → Cancelling → Canceled and loses its
    // Cancel button; the chips' counts change too.
    await expect.poll(() => row(jobs[0].jobId).locator('td[data-label="Duration"]').textContent(), { timeout: 15_000 }).toMatch(/^\d+\.\d s$/);
    for (const job of jobs) await call(server.base, server.managementKey, "POST", `/job/cancel/${job.jobId}`);
    for (const job of jobs) await expect.poll(() => row(job.jobId).locator(".badge").textContent(), { timeout: 30_000 }).toBe("Canceled");
    await expect.poll(async () => (await geometry()).chips).toEqual(before.chips);
    expect(await page.evaluate(() => (window as any).__shifts)).toEqual([]);
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

  it("fits a 375 px wide phone", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [path, name] of [["/", "phone-jobs"], ["/usage", "phone-usage"], ["/flows/countdown", "phone-flow"]] as const) {
      await page.goto(`${server.base}${path}`);
      await page.locator(".page h1").first().waitFor();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, name);
    }
  });
});
