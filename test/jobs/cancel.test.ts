import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { countingFlow, helloFlow, sleepyFlow } from "../helpers/flows";
import type { JobRunner } from "../../worker/jobs/runner";

describe("cancel", () => {
  it("cancels a waiting job at once, and it never runs", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello")).body.jobId;
    const canceled = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toEqual({ state: "CANCELED", code: "JOB_USER_CANCELED", message: "Job canceled by user" });
    expect(canceled.body.endedAt).not.toBeNull();

    await dispatch(tenant.accountId);
    const job = await getJob(tenant, jobId);
    expect(job.status.state).toBe("CANCELED");
    expect(job.claimedAt).toBeNull();
    expect(job.progress.steps).toBe(0);
  });

  it("takes a running job through CANCELING to CANCELED, mid-loop", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 10_000_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    expect(await jobState(jobId)).toBe("RUNNING");

    const response = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(response.status).toBe(200);
    expect(response.body.status.state).toBe("CANCELING");

    // The cancel set the runner's alarm to "now": one alarm run stops it.
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
    const job = await getJob(tenant, jobId);
    expect(job.status.code).toBe("JOB_USER_CANCELED");
    expect(job.progress.steps).toBeGreaterThan(0);
    expect(job.output).toBeNull();
    const detail = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
    expect(detail.body.events.map((event: { state: string }) => event.state)).toEqual(["WAITING", "RUNNING", "CANCELING", "CANCELED"]);
    expect(detail.body.events[2].description).toBe("Cancel requested by key 'ci'");
  });

  it("cancels a sleeping job without waiting for its WAIT to end", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    const alarmAt = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) => state.storage.getAlarm());
    expect(alarmAt).toBeGreaterThan(Date.now() + 3_000_000);

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    const wakeAt = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) => state.storage.getAlarm());
    // Either the alarm is due now, or the platform already ran it and the job is canceled.
    if (wakeAt !== null) expect(wakeAt).toBeLessThanOrEqual(Date.now());
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
  });

  it("keeps final states final: cancel of a completed job is 409, of a canceled one a no-op", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const done = (await trigger(tenant, "hello")).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(done);
    const refused = await call("POST", `/job/cancel/${done}`, { key: tenant.solverKey });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe("job-finished");
    expect((await getJob(tenant, done)).status.state).toBe("COMPLETED");

    const waiting = (await trigger(tenant, "hello")).body.jobId;
    const first = await call("POST", `/job/cancel/${waiting}`, { key: tenant.solverKey });
    const second = await call("POST", `/job/cancel/${waiting}`, { key: tenant.solverKey });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it("cancels all waiting jobs of a space or of one flow version and reports the count", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    await publishFlow(tenant, helloFlow, "hello");
    await publishFlow(tenant, helloFlow, "other");
    const running = (await trigger(tenant, "hello")).body.jobId;
    await dispatch(tenant.accountId);
    for (let i = 0; i < 3; i++) await trigger(tenant, "hello");
    for (let i = 0; i < 2; i++) await trigger(tenant, "other");

    const byRule = await call("POST", "/job/cancelAll/rule/other/1", { key: tenant.solverKey });
    expect(byRule.body).toEqual({ canceled: 2 });
    const bySpace = await call("POST", `/job/cancelAll/space/${tenant.spaceId}`, { key: tenant.solverKey });
    expect(bySpace.body).toEqual({ canceled: 3 });
    expect(await call("POST", `/job/cancelAll/space/${tenant.spaceId}`, { key: tenant.solverKey })).toMatchObject({ body: { canceled: 0 } });
    // The running job is not touched by cancel-all.
    expect(await jobState(running)).not.toBe("CANCELED");
  });
});
