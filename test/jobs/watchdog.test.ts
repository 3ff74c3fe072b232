import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { JobRunner } from "../../worker/jobs/runner";
import { runWatchdog, STALE_AFTER_MS } from "../../worker/jobs/watchdog";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";

const later = () => Date.now() + STALE_AFTER_MS + 1000;

describe("watchdog", () => {
  it("re-arms a running job whose alarm was lost, and the job then completes", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 500_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    // Lose the alarm, as after exhausted alarm retries. Alarms also fire on their own in workerd, and
    // one already delivered re-arms when its slice ends: lose it again until nothing runs the job.
    let stuck = false;
    for (let tries = 0; tries < 20 && !stuck; tries++) {
      await runInDurableObject(runner(jobId), async (instance: JobRunner, state) => {
        await instance.idle();
        await state.storage.deleteAlarm();
      });
      stuck = !(await runAlarm(jobId));
    }
    // Stuck: nothing would ever run it again.
    expect(stuck).toBe(true);
    expect(await jobState(jobId)).toBe("RUNNING");

    const report = await runWatchdog(env, later());
    expect(report.rearmed).toContain(jobId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
  });

  it("leaves a job sleeping in a WAIT alone", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 7200 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    const report = await runWatchdog(env, later());
    expect(report.rearmed).not.toContain(jobId);
  });

  it("marks a job whose runner lost its state ERROR / ZOMBIE_PROCESS", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 1_000_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    await runInDurableObject(runner(jobId), async (instance: JobRunner, state) => {
      await instance.idle();
      await state.storage.deleteAlarm();
      await state.storage.deleteAll();
    });

    const report = await runWatchdog(env, later());
    expect(report.zombies).toEqual([jobId]);
    const job = await getJob(tenant, jobId);
    expect(job.status).toMatchObject({ state: "ERROR", code: "ZOMBIE_PROCESS" });
    expect(job.endedAt).not.toBeNull();
  });

  it("starts a claimed job whose runner never got its start call", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 3 })).body.jobId;
    // The claim landed but the dispatcher died before calling the runner.
    await tenant.db.prepare("UPDATE jobs SET state = 'RUNNING', status_code = 'JOB_RUNNING', claimed_at = ?, heartbeat_at = ? WHERE id = ?")
      .bind(Date.now(), Date.now(), jobId)
      .run();
    const report = await runWatchdog(env, later());
    expect(report.restarted).toEqual([jobId]);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    expect((await getJob(tenant, jobId)).output).toEqual({ count: 3, sum: 3 });
  });

  it("re-sends the trigger of an account whose waiting jobs lost theirs", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    await trigger(tenant, "count", { n: 1 });
    expect((await runWatchdog(env, Date.now())).retriggeredAccounts).not.toContain(tenant.accountId);
    expect((await runWatchdog(env, later())).retriggeredAccounts).toContain(tenant.accountId);
  });

  it("runs from the cron trigger", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 2 })).body.jobId;
    const longAgo = Date.now() - 2 * STALE_AFTER_MS;
    await tenant.db.prepare("UPDATE jobs SET state = 'RUNNING', status_code = 'JOB_RUNNING', claimed_at = ?, heartbeat_at = ? WHERE id = ?")
      .bind(longAgo, longAgo, jobId)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
  });
});
