// The write budget (one D1 database runs one statement at a time): a running job writes D1 on its
// transitions and at most once per mirror interval in between, its charges merged into one ledger
// row per mirror — still exactly once, and the D1-charged time trails the runner by at most one
// interval plus one slice (what the quota gate can miss). The interval is 15 s deployed; 2 s here.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SLICE_BUDGET_MS, type JobRunner } from "../../worker/jobs/runner";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { injectD1Faults, type D1Faults } from "../helpers/faults";
import { cpuBoundFlow, cpuBoundInput } from "../helpers/flows";

const INTERVAL_MS = 2000;

async function ledger(jobId: string) {
  return (await env.DB.prepare("SELECT count(*) AS rows, coalesce(sum(ms), 0) AS ms FROM usage_ledger WHERE job_id = ?")
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
    await dispatch(tenant.accountId);
    let runnerMs = 0;
    for (let slice = 0; slice < 8; slice++) {
      await runAlarm(jobId);
      runnerMs = await runInDurableObject(runner(jobId), (instance: JobRunner) => instance.store.control!.executionMs);
      // What the quota gate sees (the charged time) trails the runner by at most one interval and one slice.
      expect(runnerMs - (await ledger(jobId)).ms).toBeLessThanOrEqual(INTERVAL_MS + SLICE_BUDGET_MS * 1.25);
    }
    expect(runnerMs).toBeGreaterThan(7 * SLICE_BUDGET_MS);
    // 8 slices of ~1 s: the first, then one every 2 s — not one per slice.
    const { rows } = await ledger(jobId);
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(rows).toBeLessThanOrEqual(5);
    expect(counted.batchesSeen).toBeLessThanOrEqual(5);

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
    const job = await getJob(tenant, jobId);
    expect((await ledger(jobId)).ms).toBe(job.usage.executionMs);
    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });
  });
});
