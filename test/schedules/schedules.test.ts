// Schedules: a flow started at the times a cron pattern names. Through the API: create, list, read,
// change, delete, each refusal a 422 naming its field that creates nothing, another space's schedule
// a 404. The cron pass (fireDueSchedules) driven with an injected clock, in a past year so that only
// this file's schedules are due: a slot fires one job once it has come, a slot fired twice (a pass
// that stopped before moving the schedule on) replays that job, missed slots fire once, a refused
// trigger is kept as the schedule's lastError, a disabled schedule never fires.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { createSchedule, DUE_SQL, fireDueSchedules } from "../../worker/schedules/service";
import { call, createTenant, getJob, publishFlow, type Tenant } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

const workerEnv = env as unknown as Env;
const asUser = (tenant: Tenant, method: string, path: string, body?: unknown) => call(method, path, { key: tenant.managementKey, body });
const at = (iso: string) => Date.parse(iso);

/** The work each trigger leaves for after its answer (the claim, the runner's start), awaited by the test. */
function deferred() {
  const work: Promise<unknown>[] = [];
  return { defer: (promise: Promise<unknown>) => void work.push(promise), settled: () => Promise.allSettled(work) };
}

async function jobsOf(tenant: Tenant): Promise<{ jobId: string }[]> {
  return (await asUser(tenant, "GET", "/api/jobs?flow=hello")).body.items;
}

async function scheduleRow(id: string) {
  return env.DIRECTORY.prepare("SELECT next_run_at, last_run_at, last_job_id, last_error FROM schedules WHERE id = ?").bind(id).first<{
    next_run_at: number | null;
    last_run_at: number | null;
    last_job_id: string | null;
    last_error: string | null;
  }>();
}

describe("schedules through the API", () => {
  it("creates, lists, reads, changes and deletes a schedule; its next slot is the pattern's in its time zone", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");

    const created = await asUser(tenant, "POST", "/api/schedules", { name: "morning", flow: "hello", cron: "0 9 * * *", timezone: "Europe/Prague", input: { name: "Ada" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "morning", flow: "hello", version: null, cron: "0 9 * * *", timezone: "Europe/Prague", input: { name: "Ada" }, enabled: true, lastRunAt: null, lastJobId: null, lastError: null });
    const next = Date.parse(created.body.nextRunAt);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Prague", hour: "2-digit", minute: "2-digit" }).format(next)).toBe("09:00");

    const id = created.body.id;
    expect((await asUser(tenant, "GET", "/api/schedules")).body).toEqual({ items: [created.body] });
    expect((await asUser(tenant, "GET", `/api/schedules/${id}`)).body).toEqual(created.body);

    const paused = await asUser(tenant, "PATCH", `/api/schedules/${id}`, { enabled: false });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
    const moved = await asUser(tenant, "PATCH", `/api/schedules/${id}`, { enabled: true, cron: "15 * * * *", timezone: "UTC", version: 1 });
    expect(moved.body).toMatchObject({ enabled: true, cron: "15 * * * *", timezone: "UTC", version: 1 });
    expect(new Date(moved.body.nextRunAt).getUTCMinutes()).toBe(15);
    expect(Date.parse(moved.body.nextRunAt) - Date.now()).toBeLessThanOrEqual(3600_000);

    // A flow that became a decision flow: its schedule can still be paused (firings would say why they start nothing).
    expect((await asUser(tenant, "PATCH", "/api/rules/hello", { type: "decision-flow" })).status).toBe(200);
    expect((await asUser(tenant, "PATCH", `/api/schedules/${id}`, { enabled: false })).body).toMatchObject({ enabled: false });
    expect((await asUser(tenant, "PATCH", `/api/schedules/${id}`, { flow: "hello" })).status).toBe(422);

    expect((await asUser(tenant, "DELETE", `/api/schedules/${id}`)).status).toBe(204);
    expect((await asUser(tenant, "GET", `/api/schedules/${id}`)).status).toBe(404);
    expect((await asUser(tenant, "DELETE", `/api/schedules/${id}`)).status).toBe(404);
  });

  it("refuses what no schedule can use with 422 naming the field, and creates nothing", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const table = await asUser(tenant, "POST", "/api/rules", { name: "rates", alias: "rates", type: "decision-table", definition: { hitPolicy: "FIRST_MATCH", inputs: [], outputs: [], rows: [] }, publish: true });
    expect(table.status).toBe(201);
    const base = { name: "s", flow: "hello", cron: "0 * * * *" };
    const refusals: [unknown, string, RegExp][] = [
      [{ ...base, cron: "61 * * * *" }, "json.cron", /is not a 5-field cron pattern/],
      [{ ...base, cron: "0 0 * * * *" }, "json.cron", /is not a 5-field cron pattern/],
      [{ ...base, cron: "0 0 30 2 *" }, "json.cron", /names no time that will come/],
      [{ ...base, timezone: "Mars/Olympus" }, "json.timezone", /is not an IANA time zone/],
      [{ ...base, flow: "nothing" }, "json.flow", /no flow 'nothing' in this space/],
      [{ ...base, version: 9 }, "json.version", /has no version 9/],
      [{ ...base, input: { blob: "x".repeat(70_000) } }, "json.input", /a schedule's input is at most 65536 bytes/],
      [{ ...base, flow: "rates" }, "json.flow", /only an integration flow runs as a job/],
    ];
    for (const [body, path, message] of refusals) {
      const refused = await asUser(tenant, "POST", "/api/schedules", body);
      expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body.type).toBe("invalid-body");
      expect(refused.body.errors).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    }
    expect((await asUser(tenant, "POST", "/api/schedules", { ...base, input: [1] })).status).toBe(422);
    expect((await asUser(tenant, "POST", "/api/schedules", { ...base, every: "day" })).status).toBe(422);
    expect((await asUser(tenant, "GET", "/api/schedules")).body).toEqual({ items: [] });
  });

  it("keeps a space's schedules from every other space (404) and from solver keys (403)", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const id = (await asUser(tenant, "POST", "/api/schedules", { name: "s", flow: "hello", cron: "0 * * * *" })).body.id;

    expect((await asUser(other, "GET", `/api/schedules/${id}`)).status).toBe(404);
    expect((await asUser(other, "PATCH", `/api/schedules/${id}`, { enabled: false })).status).toBe(404);
    expect((await asUser(other, "DELETE", `/api/schedules/${id}`)).status).toBe(404);
    expect((await asUser(other, "GET", "/api/schedules")).body).toEqual({ items: [] });
    expect((await call("GET", "/api/schedules", { key: tenant.solverKey })).status).toBe(403);
    expect((await asUser(tenant, "GET", `/api/schedules/${id}`)).body.enabled).toBe(true);
  });
});

describe("running a schedule now", () => {
  it("starts its flow with its input as a new job each time, leaving its slots as they were", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const created = (await asUser(tenant, "POST", "/api/schedules", { name: "nightly", flow: "hello", cron: "0 2 * * *", input: { name: "Grace" } })).body;

    const first = await asUser(tenant, "POST", `/api/schedules/${created.id}/run`);
    expect(first.status).toBe(202);
    expect(first.headers.get("location")).toBe(`/job/${first.body.jobId}`);
    expect(first.body).toMatchObject({ inputData: { name: "Grace" }, context: { usedApiKeyId: created.id } });
    const details = await asUser(tenant, "GET", `/api/jobs/${first.body.jobId}`);
    expect(JSON.stringify(details.body.events)).toContain("Triggered by schedule 'nightly', run now with key 'console'");
    const second = await asUser(tenant, "POST", `/api/schedules/${created.id}/run`);
    expect(second.status).toBe(202);
    expect(second.body.jobId).not.toBe(first.body.jobId);
    expect(await jobsOf(tenant)).toHaveLength(2);
    expect((await asUser(tenant, "GET", `/api/schedules/${created.id}`)).body).toMatchObject({ nextRunAt: created.nextRunAt, lastRunAt: null, lastJobId: null });

    const other = await createTenant();
    expect((await asUser(other, "POST", `/api/schedules/${created.id}/run`)).status).toBe(404);
    expect(await jobsOf(tenant)).toHaveLength(2);
  });

  it("answers the trigger's refusal and starts nothing", async () => {
    const tenant = await createTenant({ freeSeconds: 0 });
    await publishFlow(tenant, helloFlow, "hello");
    const created = (await asUser(tenant, "POST", "/api/schedules", { name: "nightly", flow: "hello", cron: "0 2 * * *" })).body;
    const refused = await asUser(tenant, "POST", `/api/schedules/${created.id}/run`);
    expect(refused.status).toBe(402);
    expect(refused.body.type).toBe("quota-exceeded");
    expect(await jobsOf(tenant)).toEqual([]);
  });
});

describe("the cron pass", () => {
  it("finds the due schedules through their index, however many schedules there are", async () => {
    const plan = await env.DIRECTORY.prepare(`EXPLAIN QUERY PLAN ${DUE_SQL}`).bind(0, 1).all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join("\n");
    expect(details).toMatch(/SEARCH s USING INDEX schedules_due \(next_run_at[<>=?]+/);
    expect(details).not.toMatch(/\bSCAN s\b/);
  });

  it("fires a slot once it has come: one job with the schedule's input, the schedule moved to its next slot", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const schedule = await createSchedule(workerEnv, tenant.spaceId, { name: "every five", flow: "hello", cron: "*/5 * * * *", input: { name: "Ada" } }, at("2020-01-01T00:01:00Z"));
    expect(schedule.nextRunAt).toBe("2020-01-01T00:05:00.000Z");

    const early = await fireDueSchedules(workerEnv, at("2020-01-01T00:04:59Z"));
    expect(early.fired).not.toContain(schedule.id);
    expect(await jobsOf(tenant)).toEqual([]);

    const work = deferred();
    const pass = await fireDueSchedules(workerEnv, at("2020-01-01T00:05:20Z"), work.defer);
    await work.settled();
    // Other tests' schedules in earlier months may fire in the same pass.
    expect(pass.fired).toContain(schedule.id);
    const jobs = await jobsOf(tenant);
    expect(jobs).toHaveLength(1);
    const job = await getJob(tenant, jobs[0].jobId);
    expect(job.inputData).toEqual({ name: "Ada" });
    expect(job.context.usedApiKeyId).toBe(schedule.id);
    const details = await asUser(tenant, "GET", `/api/jobs/${job.jobId}`);
    expect(JSON.stringify(details.body.events)).toContain("Triggered by schedule 'every five' for 2020-01-01T00:05:00.000Z");
    expect(await scheduleRow(schedule.id)).toEqual({ next_run_at: at("2020-01-01T00:10:00Z"), last_run_at: at("2020-01-01T00:05:00Z"), last_job_id: job.jobId, last_error: null });
    expect((await asUser(tenant, "GET", `/api/schedules/${schedule.id}`)).body).toMatchObject({ lastJobId: job.jobId, lastRunAt: "2020-01-01T00:05:00.000Z", nextRunAt: "2020-01-01T00:10:00.000Z" });
  });

  it("makes one job of a slot fired twice, and fires slots missed while no pass ran once", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const schedule = await createSchedule(workerEnv, tenant.spaceId, { name: "every five", flow: "hello", cron: "*/5 * * * *" }, at("2020-02-01T00:01:00Z"));
    await fireDueSchedules(workerEnv, at("2020-02-01T00:05:01Z"));
    const first = (await scheduleRow(schedule.id))!.last_job_id;

    // A pass that triggered the job and stopped before it moved the schedule on: the slot is due again.
    await env.DIRECTORY.prepare("UPDATE schedules SET next_run_at = ? WHERE id = ?").bind(at("2020-02-01T00:05:00Z"), schedule.id).run();
    const again = await fireDueSchedules(workerEnv, at("2020-02-01T00:05:30Z"));
    expect(again.fired).toContain(schedule.id);
    expect((await scheduleRow(schedule.id))!.last_job_id).toBe(first);
    expect(await jobsOf(tenant)).toHaveLength(1);

    // Three hours without a pass: the overdue slot fires once, then the schedule is back on time.
    await fireDueSchedules(workerEnv, at("2020-02-01T03:07:00Z"));
    expect(await jobsOf(tenant)).toHaveLength(2);
    expect(await scheduleRow(schedule.id)).toMatchObject({ next_run_at: at("2020-02-01T03:10:00Z"), last_run_at: at("2020-02-01T00:10:00Z") });
  });

  it("keeps a refused trigger as the schedule's lastError and moves on; a disabled schedule never fires", async () => {
    const tenant = await createTenant({ freeSeconds: 0 });
    await publishFlow(tenant, helloFlow, "hello");
    const schedule = await createSchedule(workerEnv, tenant.spaceId, { name: "hourly", flow: "hello", cron: "0 * * * *" }, at("2020-03-01T00:30:00Z"));

    const pass = await fireDueSchedules(workerEnv, at("2020-03-01T01:00:05Z"));
    expect(pass.refused).toContain(schedule.id);
    expect(pass.fired).not.toContain(schedule.id);
    expect(await jobsOf(tenant)).toEqual([]);
    expect(await scheduleRow(schedule.id)).toMatchObject({ next_run_at: at("2020-03-01T02:00:00Z"), last_run_at: at("2020-03-01T01:00:00Z"), last_job_id: null });
    expect((await scheduleRow(schedule.id))!.last_error).toMatch(/^402 quota-exceeded: This account has used 0 of its 0 free job seconds/);

    const paused = await createSchedule(workerEnv, tenant.spaceId, { name: "paused", flow: "hello", cron: "* * * * *", enabled: false }, at("2020-03-01T00:30:00Z"));
    expect(paused.nextRunAt).toBeNull();
    const later = await fireDueSchedules(workerEnv, at("2020-03-01T05:00:00Z"));
    expect([...later.fired, ...later.refused]).not.toContain(paused.id);
    expect(await scheduleRow(paused.id)).toMatchObject({ next_run_at: null, last_run_at: null });
  });
});
