import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";
import type { JobRunner } from "../../worker/jobs/runner";

afterEach(() => {
  vi.useRealTimers();
});

describe("long-running jobs", () => {
  it("loops 100,000 times across many slices with no step cap", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 100_000 })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId, 1000)).toBe("COMPLETED");
    const job = await getJob(tenant, jobId);
    expect(job.output).toEqual({ count: 100_000, sum: (100_000 * 99_999) / 2 });
    expect(job.progress.steps).toBeGreaterThan(200_000);
    const slices = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) =>
      state.storage.kv.get<{ slices: number }>("control"),
    );
    expect(slices!.slices).toBeGreaterThan(1);
  });

  it("sleeps in a WAIT on the alarm and resumes when its time comes", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 600 })).body.jobId;
    const startedAt = Date.now();
    await dispatch(tenant.accountId);
    await runAlarm(jobId);

    const sleeping = await getJob(tenant, jobId);
    expect(sleeping.status.state).toBe("RUNNING");
    expect(sleeping.progress.currentNode).toBe("nap");
    const wakeAt = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) => state.storage.getAlarm());
    expect(wakeAt).toBeGreaterThanOrEqual(startedAt + 600_000);
    expect(wakeAt).toBeLessThan(Date.now() + 601_000);

    // Woken early (as a stray alarm would), it goes back to sleep until the same time.
    await runAlarm(jobId);
    expect((await getJob(tenant, jobId)).status.state).toBe("RUNNING");
    expect(await runInDurableObject(runner(jobId), (_instance: JobRunner, state) => state.storage.getAlarm())).toBe(wakeAt);

    // Ten minutes later the alarm's time has come: the flow continues to its end.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(wakeAt! + 1);
    expect(await runToEnd(jobId, 5)).toBe("COMPLETED");
    vi.useRealTimers();
    const job = await getJob(tenant, jobId);
    expect(job.output).toEqual({ slept: 600 });
    const logs = await call("GET", `/api/jobs/${jobId}/logs`, { key: tenant.managementKey });
    expect(logs.body.items.map((line: { message: string }) => line.message)).toEqual(["going to sleep", "woke up"]);
    // The sleep is not execution time.
    expect(job.usage.executionMs).toBeLessThan(60_000);
  });
});
