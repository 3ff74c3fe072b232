// maxDurationSeconds (DESIGN.md §6): past it — wall time since the job started, WAITs included — the
// job ends ERROR / JOB_TIMEOUT, also while it sleeps in a WAIT and while it computes.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";

afterEach(() => {
  vi.useRealTimers();
});

describe("job time limit", () => {
  it("ends a job sleeping in a 60 s WAIT ERROR / JOB_TIMEOUT when its maxDurationSeconds of 2 s pass", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, { ...sleepyFlow, maxDurationSeconds: 2 }, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 60 })).body.jobId as string;
    await dispatch(tenant.accountId);
    const startedAt = Date.now();
    await runAlarm(jobId);
    expect((await getJob(tenant, jobId)).status.state).toBe("RUNNING");
    // The runner wakes at the deadline, not at the end of the WAIT.
    const wakeAt = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) => state.storage.getAlarm());
    expect(wakeAt).toBeLessThanOrEqual(startedAt + 2_500);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(wakeAt! + 1);
    await runAlarm(jobId);
    const job = await getJob(tenant, jobId);
    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_TIMEOUT" });
    expect(job.status.message).toContain("maxDurationSeconds (2 s)");
    expect(job.error).toMatchObject({ node: "nap" });
  });

  it("stops a computing job at its deadline, between nodes", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, { ...countingFlow, maxDurationSeconds: 1 }, "count");
    const jobId = (await trigger(tenant, "count", { n: 1_000_000_000 })).body.jobId as string;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId, 1000)).toBe("ERROR");
    const job = await getJob(tenant, jobId);
    expect(job.status.code).toBe("JOB_TIMEOUT");
    expect(Date.parse(job.endedAt) - Date.parse(job.claimedAt)).toBeLessThan(2_500);
  });

  it("refuses a maxDurationSeconds that is not a positive whole number on save", async () => {
    const tenant = await createTenant();
    const { call } = await import("../helpers/api");
    const refused = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "bad", type: "integration-flow", definition: { ...sleepyFlow, maxDurationSeconds: 0 } },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body.errors)).toContain("maxDurationSeconds");
  });
});
