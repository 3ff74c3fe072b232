import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { countingFlow } from "../helpers/flows";
import type { JobRunner } from "../../worker/jobs/runner";

const flowWithLogs = {
  ...countingFlow,
  nodes: [
    ...countingFlow.nodes.filter((node) => node.id !== "end"),
    { id: "end", type: "END", name: "end", data: { output: "{ 'count': vars.i, 'sum': vars.sum, 'job': $job.id }" } },
  ],
};

describe("runner recovery", () => {
  it("resumes from its checkpoint after eviction and ends with the same output as an uninterrupted run", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, flowWithLogs, "count");
    const input = { n: 100_000 };
    const steady = (await trigger(tenant, "count", input)).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(steady, 1000);

    const evicted = (await trigger(tenant, "count", input)).body.jobId;
    await dispatch(tenant.accountId);
    let evictionsMidRun = 0;
    while ((await getJob(tenant, evicted)).status.state === "RUNNING") {
      await evictDurableObject(runner(evicted));
      if ((await getJob(tenant, evicted)).status.state === "RUNNING") evictionsMidRun++;
      await runAlarm(evicted);
    }
    const [a, b] = [await getJob(tenant, steady), await getJob(tenant, evicted)];
    expect(evictionsMidRun).toBeGreaterThan(1);
    expect(b.status.state).toBe("COMPLETED");
    expect(b.output).toEqual({ ...a.output, job: evicted });
    expect(a.output).toMatchObject({ count: 100_000, sum: (100_000 * 99_999) / 2 });
    expect(b.progress.steps).toBe(a.progress.steps);
  });

  it("treats a repeated alarm as harmless: no extra steps, no second final transition", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 100 })).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(jobId);
    const before = await getJob(tenant, jobId);

    // An alarm retried after the job ended, and a stray alarm set by hand, change nothing.
    await runInDurableObject(runner(jobId), async (instance: JobRunner, state) => {
      await instance.alarm();
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(runner(jobId));
    const after = await getJob(tenant, jobId);
    expect(after).toEqual(before);
    const events = await tenant.db.prepare("SELECT count(*) AS n FROM job_events WHERE job_id = ? AND state = 'COMPLETED'")
      .bind(jobId)
      .first<{ n: number }>();
    expect(events!.n).toBe(1);
  });

  it("ignores a second start call for the same job", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 5 })).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(jobId);
    const stub = runner(jobId);
    const snapshot = await stub.snapshot();
    await stub.start({
      jobId,
      accountId: tenant.accountId,
      shard: tenant.shard,
      spaceId: tenant.spaceId,
      ruleId: "other",
      ruleVersion: 9,
      definition: JSON.stringify(countingFlow),
      input: JSON.stringify({ n: 1 }),
      attempt: 1,
    });
    expect(await stub.snapshot()).toEqual(snapshot);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});
