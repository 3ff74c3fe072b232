// The write budget (one D1 database runs one statement at a time): a running job writes D1 on its
// transitions and at most once per mirror interval in between, its charges merged into one ledger
// row per mirror — still exactly once, and the D1-charged time trails the runner by at most one
// interval plus one slice (what the quota gate can miss). The interval is 15 s deployed; 2 s here.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../worker/jobs/clock";
import { DEFAULT_MIRROR_INTERVAL_MS } from "../../worker/jobs/mirror";
import { SLICE_BUDGET_MS, type JobRunner } from "../../worker/jobs/runner";
import { apiUrl } from "../flow-jobs/helpers";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { shardOfJob } from "../helpers/db";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { injectD1Faults, type D1Faults } from "../helpers/faults";
import { cpuBoundFlow, cpuBoundInput } from "../helpers/flows";

const INTERVAL_MS = 2000;

async function ledger(jobId: string) {
  return (await (await shardOfJob(jobId)).prepare("SELECT count(*) AS rows, coalesce(sum(ms), 0) AS ms FROM usage_ledger WHERE job_id = ?")
    .bind(jobId)
    .first<{ rows: number; ms: number }>())!;
}

describe("write budget of a running job", () => {
  it("mirrors 8 s of slices at most once per interval, one ledger row per mirror, the gate's lag bounded", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, cpuBoundFlow, "busy");
    const jobId = (await trigger(tenant, "busy", cpuBoundInput)).body.jobId as string;
    const counted: D1Faults = { injected: 0 };
    await injectD1Faults(runner(jobId), counted);
    await runInDurableObject(runner(jobId), (instance: JobRunner) => {
      instance.mirrorIntervalMs = INTERVAL_MS;
    });
    const startedAt = Date.now();
    await dispatch(tenant.accountId);
    let runnerMs = 0;
    for (let slice = 0; slice < 8; slice++) {
      await runAlarm(jobId);
      runnerMs = await runInDurableObject(runner(jobId), (instance: JobRunner) => instance.store.control!.executionMs);
      // What the quota gate sees (the charged time) trails the runner by at most one interval and one slice.
      expect(runnerMs - (await ledger(jobId)).ms).toBeLessThanOrEqual(INTERVAL_MS + SLICE_BUDGET_MS * 1.25);
    }
    expect(runnerMs).toBeGreaterThan(7 * SLICE_BUDGET_MS);
    // The first slice mirrors, then at most one mirror per 2 s of the time that passed (8 slices of
    // ~1 s: 5 on an idle machine; a loaded one stretches the time between alarms, never the rule).
    const mostMirrors = 1 + Math.floor((Date.now() - startedAt) / INTERVAL_MS);
    const { rows } = await ledger(jobId);
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(rows).toBeLessThanOrEqual(Math.min(mostMirrors, 8));
    expect(counted.batchesSeen).toBeLessThanOrEqual(mostMirrors);

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
    const job = await getJob(tenant, jobId);
    // Rolled up when it ended: one row for the period, holding every charge.
    expect(await ledger(jobId)).toEqual({ rows: 1, ms: job.usage.executionMs });
    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });
  });
});

/**
 * A model of a job waiting on a slow network under production's clock: time stands still while the
 * runner computes (as IoOnlyClock) and each outbound call takes `callMs` of it.
 */
class SlowNetworkClock implements Clock {
  private elapsed = 0;
  private frozen: number | null = null;
  constructor(private readonly callMs: number) {}
  now() {
    this.frozen ??= Date.now() + this.elapsed;
    return this.frozen;
  }
  async tick() {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.frozen = null;
  }
  moved() {
    this.frozen = null;
  }
  /** One outbound call completed. */
  waited() {
    this.elapsed += this.callMs;
    this.frozen = null;
  }
}

/** START → FOREACH over input.orders → REST_API GET per order (the loop body) → END. */
function slowRestFlow(url: string) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "each", type: "FOREACH", name: "each", data: { items: "input.orders" } },
      { id: "call", type: "REST_API", name: "fetch-order", data: { url: `'${url}'` } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'calls': each.length }" } },
    ],
    connections: [
      { source: "start", target: "each" },
      { source: "each", target: "call", port: "loop" },
      { source: "each", target: "end", port: "done" },
    ],
  };
}

/**
 * Runs a job making 30 REST calls of 2 s each (60 s of running) at the given mirror interval;
 * returns the D1 write batches it made, the most ledger rows it had at once and at the end.
 */
async function slowRestJob(tenant: Tenant, intervalMs: number) {
  const { url } = apiUrl("echo");
  await publishFlow(tenant, slowRestFlow(url), `slow-${intervalMs}`);
  const jobId = (await trigger(tenant, `slow-${intervalMs}`, { orders: Array.from({ length: 30 }, (_, index) => index) })).body.jobId as string;
  const counted: D1Faults = { injected: 0 };
  await injectD1Faults(runner(jobId), counted);
  await runInDurableObject(runner(jobId), (instance: JobRunner) => {
    const clock = new SlowNetworkClock(2000);
    const outbound = instance.outbound;
    instance.clock = clock;
    instance.mirrorIntervalMs = intervalMs;
    instance.outbound = async (input, init) => {
      const response = await outbound(input, init);
      clock.waited();
      return response;
    };
  });
  await dispatch(tenant.accountId);
  let mostRows = 0;
  for (let slice = 0; slice < 200 && (await jobState(jobId)) === "RUNNING"; slice++) {
    await runAlarm(jobId);
    mostRows = Math.max(mostRows, (await ledger(jobId)).rows);
  }
  expect(await jobState(jobId)).toBe("COMPLETED");
  const job = await getJob(tenant, jobId);
  expect(job.output).toEqual({ calls: 30 });
  return { jobId, job, batches: counted.batchesSeen ?? 0, mostRows, end: await ledger(jobId) };
}

describe("write budget of a job waiting on slow REST calls", () => {
  it("running 60 s in 30 slow calls adds at most 8 ledger rows and 8 D1 write batches (one per slice without the budget)", async () => {
    const tenant = await createTenant();
    const budgeted = await slowRestJob(tenant, DEFAULT_MIRROR_INTERVAL_MS);
    // 60 s of running at 1 s slices: without a budget ~30 mirrors; with it, one per 15 s plus the transitions.
    expect(budgeted.job.usage.executionMs).toBeGreaterThanOrEqual(60_000);
    expect(budgeted.batches).toBeLessThanOrEqual(8);
    expect(budgeted.mostRows).toBeLessThanOrEqual(8);
    expect(budgeted.end).toEqual({ rows: 1, ms: budgeted.job.usage.executionMs });

    // The same job mirroring after every slice: what the budget saves.
    const unbudgeted = await slowRestJob(tenant, 0);
    expect(unbudgeted.batches).toBeGreaterThanOrEqual(25);
    expect(unbudgeted.mostRows).toBeGreaterThanOrEqual(25);
    expect(unbudgeted.end).toEqual({ rows: 1, ms: unbudgeted.job.usage.executionMs });

    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });
  });
});
