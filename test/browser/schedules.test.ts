/// <reference types="node" />
// The Schedules page in Chromium against `npm start`: a schedule made through the form shows its
// pattern, zone, flow and next slot; a bad pattern is refused on its field; Run now starts a job
// linked on the card; pausing clears the next slot and resuming brings one back; an edit changes the pattern; a delete removes it.
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage } from "./browser";
import { sharedConsole } from "./shared";
import { call } from "./server";

const shared = sharedConsole();
const run = Date.now().toString(36);

describe("schedules page", () => {
  it("creates, refuses a bad pattern, runs now, pauses, resumes, edits and deletes a schedule", async () => {
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    const name = `nightly-${run}`;
    await page.goto(`${shared.server.base}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Schedules" }).click();
    await page.getByRole("heading", { name: "Schedules" }).waitFor();

    await page.getByRole("button", { name: "New schedule" }).click();
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Flow").selectOption("hello");
    await page.getByLabel(/^Cron/).fill("0 25 * * *");
    await page.getByLabel("Time zone").fill("Europe/Prague");
    await page.getByLabel("Input (JSON)").fill('{ "name": "Ada" }');
    await page.getByRole("button", { name: "Create schedule" }).click();
    const problem = page.getByRole("alert");
    await expect.poll(() => problem.textContent()).toContain("json.cron");
    expect(await problem.textContent()).toContain("is not a 5-field cron pattern");

    await page.getByLabel(/^Cron/).fill("30 6 * * 1-5");
    await page.getByRole("button", { name: "Create schedule" }).click();
    const card = page.locator(`li[data-schedule="${name}"]`);
    await card.waitFor();
    expect(await card.getByTestId("schedule-summary").textContent()).toBe("30 6 * * 1-5 · Europe/Prague · hello (latest published)");
    // The slot in the schedule's zone, named, whatever the browser's zone (this one runs in UTC).
    expect(await card.getByTestId("schedule-next").textContent()).toMatch(/^Next: [A-Z][a-z]{2} \d{1,2}, 06:30:00 Europe\/Prague$/);
    const [saved] = (await call(shared.server.base, shared.server.managementKey, "GET", "/api/schedules")).items.filter((item: { name: string }) => item.name === name);
    expect(saved).toMatchObject({ cron: "30 6 * * 1-5", timezone: "Europe/Prague", input: { name: "Ada" }, enabled: true });
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Prague", hour: "2-digit", minute: "2-digit" }).format(Date.parse(saved.nextRunAt))).toBe("06:30");
    await screenshot(page, "schedules");

    // Run now: a job of the flow at once, linked on the card, its page showing the schedule's input.
    await card.getByRole("button", { name: "Run now" }).click();
    const started = card.getByTestId("schedule-started").getByRole("link", { name: "a job" });
    await started.waitFor();
    await started.click();
    await page.waitForURL(/\/jobs\/[0-9A-Z]{26}$/);
    // The job's input is the schedule's (in the detail's input panel).
    await expect.poll(() => page.locator("pre", { hasText: '"name": "Ada"' }).count()).toBeGreaterThan(0);
    await page.goBack();
    await card.waitFor();

    await card.getByRole("switch", { name: `Enable schedule ${name}` }).uncheck();
    await expect.poll(() => card.getByTestId("schedule-next").textContent()).toBe("Next: — (paused)");
    await card.getByRole("switch", { name: `Enable schedule ${name}` }).check();
    await expect.poll(() => card.getByTestId("schedule-next").textContent()).toMatch(/^Next: (?!—)/);

    await card.getByRole("button", { name: "Edit" }).click();
    await card.getByLabel(/^Cron/).fill("0 * * * *");
    await card.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.getByTestId("schedule-summary").textContent()).toBe("0 * * * * · Europe/Prague · hello (latest published)");

    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => card.count()).toBe(0);
    const left = (await call(shared.server.base, shared.server.managementKey, "GET", "/api/schedules")).items.filter((item: { name: string }) => item.name === name);
    expect(left).toEqual([]);
    await page.close();
  });
});
