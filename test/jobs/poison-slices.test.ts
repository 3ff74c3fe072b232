// The poison-slice rule (DESIGN.md §12): a job that cannot make progress for a reason that will not
// go away — its state over the enforced 2 MB value limit, a node that always throws a non-flow
// error, an input the runner cannot even start from — ends ERROR with a message naming the cause
// within 5 attempts, frees its slot and sends JOB.ERROR. Attempts are spaced by a backoff, so the
// tests move the (faked) clock past each one instead of sleeping.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { POISON_ATTEMPTS, type JobRunner } from "../../worker/jobs/runner";
import { createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { directoryDb, shardOfJob } from "../helpers/db";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";
import { createWebhook, receiver } from "../webhooks/helpers";

afterEach(() => {
  vi.useRealTimers();
});

/** Runs the job's alarms, moving the clock past each retry's backoff, until it ends; returns how many attempts ran. */
async function runThroughRetries(jobId: string, limit = 20): Promise<number> {
  vi.useFakeTimers({ toFake: ["Date"] });
  let alarms = 0;
  while (!["COMPLETED", "ERROR", "CANCELED"].includes(await jobState(jobId)) && alarms < limit) {
    vi.setSystemTime(Date.now() + 10_000);
    await runAlarm(jobId);
    alarms++;
  }
  vi.useRealTimers();
  return alarms;
}

async function deliveryEvents(jobId: string) {
  const rows = await (await shardOfJob(jobId)).prepare("SELECT event_type FROM webhook_deliveries WHERE job_id = ?").bind(jobId).all<{ event_type: string }>();
  return rows.results.map((row) => row.event_type);
}

/** A parallel-limit-1 account with a JOB.ERROR webhook, the poisoned job running and a hello job waiting behind it. */
/** `tables`: decision tables the flow calls, published first (a flow naming a missing one is refused on save). */
async function poisonedAccount(flow: unknown, input: unknown = {}, tables: string[] = []) {
  const tenant = await createTenant({ parallelLimit: 1 });
  for (const alias of tables) await publishTable(tenant, alias);
  await createWebhook(tenant, { url: receiver("ok/poison"), events: ["JOB.ERROR"] });
  await publishFlow(tenant, flow, "poisoned");
  await publishFlow(tenant, helloFlow, "hello");
  const poisoned = (await trigger(tenant, "poisoned", input)).body.jobId as string;
  const waiting = (await trigger(tenant, "hello", { name: "Ada" })).body.jobId as string;
  return { tenant, poisoned, waiting };
}

async function expectSlotFreed(tenant: Tenant, waiting: string) {
  expect(await jobState(waiting)).toBe("WAITING");
  await dispatch(tenant.accountId);
  expect(await runToEnd(waiting)).toBe("COMPLETED");
}

describe("poison slices", () => {
  it("ends a job whose state trips the enforced 2 MB value limit ERROR within 5 attempts, naming the cause", async () => {
    const { tenant, poisoned, waiting } = await poisonedAccount(helloFlow, { name: "x".repeat(100_000) });
    await dispatch(tenant.accountId);
    // The value limit is production's 2 MB; lowered here so a 100 KB input trips it on every attempt.
    await runInDurableObject(runner(poisoned), (instance: JobRunner) => {
      instance.store.valueLimitBytes = 50_000;
    });
    const attempts = await runThroughRetries(poisoned);
    expect(attempts).toBeLessThanOrEqual(POISON_ATTEMPTS + 1);
    const job = await getJob(tenant, poisoned);
    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(job.status.message).toMatch(/failed 5 times: .*SQLITE_TOOBIG.*100\.0 KB, over the 50\.0 KB limit/);
    expect(await deliveryEvents(poisoned)).toEqual(["JOB.ERROR"]);
    await expectSlotFreed(tenant, waiting);
  });

  it("ends a job whose node always throws a non-flow error ERROR after 5 attempts, naming the node and the error", async () => {
    const flow = {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "rate", type: "BUSINESS_RULE", name: "rate", data: { rule: "rates", version: "latest", input: "input" } },
        { id: "end", type: "END", name: "end", data: { output: "rate" } },
      ],
      connections: [
        { source: "start", target: "rate" },
        { source: "rate", target: "end" },
      ],
    };
    const { tenant, poisoned, waiting } = await poisonedAccount(flow, {}, ["rates"]);
    // A stored table that is not JSON (as a corrupted row would be): loading it throws a SyntaxError every time.
    await directoryDb().prepare("UPDATE rule_versions SET definition = '{ not json' WHERE rule_id = (SELECT id FROM rules WHERE alias = 'rates' AND space_id = ?)")
      .bind(tenant.spaceId)
      .run();
    await dispatch(tenant.accountId);
    await runThroughRetries(poisoned);
    const job = await getJob(tenant, poisoned);
    expect(job.status.state).toBe("ERROR");
    expect(job.status.message).toMatch(/^node 'rate' failed 5 times: SyntaxError/);
    expect(job.error).toMatchObject({ node: "rate" });
    expect(await deliveryEvents(poisoned)).toEqual(["JOB.ERROR"]);
    await expectSlotFreed(tenant, waiting);
  });

  it("ends a job the runner cannot even start from (an input nested 100,000 deep, stored before the depth limit) ERROR", async () => {
    const { tenant, poisoned, waiting } = await poisonedAccount(helloFlow, { name: "Ada" });
    const deep = `{"name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    await tenant.db.prepare("UPDATE jobs SET input = ? WHERE id = ?").bind(deep, poisoned).run();
    // start() only stores what it is given, atomically, so this call succeeds; the slices then fail.
    await dispatch(tenant.accountId);
    expect(await jobState(poisoned)).toBe("RUNNING");
    await runThroughRetries(poisoned);
    const job = await getJob(tenant, poisoned);
    expect(job.status.state).toBe("ERROR");
    expect(job.status.message).toMatch(/failed 5 times: RangeError: Maximum call stack size exceeded/);
    expect(await deliveryEvents(poisoned)).toEqual(["JOB.ERROR"]);
    await expectSlotFreed(tenant, waiting);
  });

  it("counts a slice that never reported back (its isolate died) as a failed attempt", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello", { name: "Ada" })).body.jobId as string;
    await dispatch(tenant.accountId);
    // Five attempts that were counted and never cleared, as after five kills over the CPU limit.
    await runInDurableObject(runner(jobId), (instance: JobRunner) => {
      instance.store.control!.attempts.count = POISON_ATTEMPTS;
      instance.store.saveControl();
    });
    await runAlarm(jobId);
    const job = await getJob(tenant, jobId);
    expect(job.status.state).toBe("ERROR");
    expect(job.status.message).toMatch(/failed 5 times: the runner stopped while running it \(over the CPU or memory limit/);
  });
});

async function publishTable(tenant: Tenant, alias: string) {
  const { call } = await import("../helpers/api");
  const table = {
    hitPolicy: "FIRST_MATCH",
    inputs: [{ id: "c1", expression: "segment" }],
    outputs: [{ id: "o1", path: "discount" }],
    rows: [{ conditions: { c1: { op: "ANY" } }, outputs: { o1: { value: 0 } } }],
  };
  const created = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: alias, alias, type: "decision-table", definition: table, publish: true },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}
