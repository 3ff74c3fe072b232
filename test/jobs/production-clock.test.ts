// Production's clock (DESIGN.md §12): deployed, Date.now() moves only when the isolate does I/O, so a
// slice of pure computation would measure 0 ms. The runner ticks the clock at bounded intervals; under
// IoOnlyClock (a model of the deployed clock: frozen until I/O) a CPU-bound job must still be billed
// its real time, end each slice near its budget and see a cancel within about a second. The same
// tests run with the platform's own (local, always moving) clock.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IoOnlyClock, platformClock } from "../../worker/jobs/clock";
import { SLICE_BUDGET_MS, type JobRunner } from "../../worker/jobs/runner";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { cpuBoundFlow, cpuBoundInput } from "../helpers/flows";

const clocks = { "I/O-only (deployed)": () => new IoOnlyClock(), "local platform": () => platformClock };

async function busyJob(makeClock: () => JobRunner["clock"]) {
  const tenant = await createTenant();
  await publishFlow(tenant, cpuBoundFlow, "busy");
  const jobId = (await trigger(tenant, "busy", cpuBoundInput)).body.jobId as string;
  await runInDurableObject(runner(jobId), (instance: JobRunner) => {
    instance.clock = makeClock();
    // Every slice mirrored, so each slice's charge is its own ledger row (the write budget merges them).
    instance.mirrorIntervalMs = 0;
  });
  await dispatch(tenant.accountId);
  return { tenant, jobId };
}

describe.each(Object.entries(clocks))("under the %s clock", (_name, makeClock) => {
  it("bills a CPU-bound job of several slices within 10 % of its real time, each slice ending near the 1 s budget", async () => {
    const { tenant, jobId } = await busyJob(makeClock);
    let wallMs = 0;
    for (let slice = 0; slice < 3; slice++) {
      const startedAt = performance.now();
      await runAlarm(jobId);
      wallMs += performance.now() - startedAt;
    }
    // While the job runs, the ledger has one row per mirror: here one per slice.
    const ledger = await tenant.db.prepare("SELECT slice, ms FROM usage_ledger WHERE job_id = ? ORDER BY slice")
      .bind(jobId)
      .all<{ slice: number; ms: number }>();
    expect(ledger.results).toHaveLength(3);
    for (const { ms } of ledger.results) {
      expect(ms).toBeGreaterThanOrEqual(SLICE_BUDGET_MS);
      expect(ms).toBeLessThan(SLICE_BUDGET_MS * 1.25);
    }
    const chargedMs = ledger.results.reduce((sum, row) => sum + row.ms, 0);
    expect(chargedMs).toBeGreaterThanOrEqual(wallMs * 0.9);
    expect(chargedMs).toBeLessThanOrEqual(wallMs);
    expect((await getJob(tenant, jobId)).usage.executionMs).toBe(chargedMs);
    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
    // Once the job has ended its rows are rolled up to one per period, still adding up to what it was billed.
    const rolledUp = await tenant.db.prepare("SELECT period, ms FROM usage_ledger WHERE job_id = ?")
      .bind(jobId)
      .all<{ period: string; ms: number }>();
    expect(rolledUp.results).toHaveLength(new Set(rolledUp.results.map((row) => row.period)).size);
    expect(rolledUp.results.reduce((sum, row) => sum + row.ms, 0)).toBe((await getJob(tenant, jobId)).usage.executionMs);
  });

  it("sees a cancel that arrives mid-slice within about a second", async () => {
    const { tenant, jobId } = await busyJob(makeClock);
    const slice = runAlarm(jobId);
    // The runner answers other calls between ticks, even while a slice computes.
    let steps = 0;
    for (let poll = 0; poll < 1000 && steps < 10; poll++) {
      steps = (await runner(jobId).snapshot()).steps;
    }
    expect(steps).toBeGreaterThanOrEqual(10);
    const requestedAt = Date.now();
    const canceled = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(canceled.body.status.state).toBe("CANCELING");
    await slice;
    expect(await runToEnd(jobId)).toBe("CANCELED");
    const job = await getJob(tenant, jobId);
    expect(Date.parse(job.endedAt) - requestedAt).toBeLessThan(1000);
    expect(await jobState(jobId)).toBe("CANCELED");
  });
});
