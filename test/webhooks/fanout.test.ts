import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import type { Control } from "../../worker/jobs/runner-storage";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runToEnd, runner } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";
import { completedJob, createWebhook, deliveries, receiver } from "./helpers";

async function deliveryCount(tenant: Tenant, jobId: string) {
  return (await tenant.db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE job_id = ?").bind(jobId).first<{ n: number }>())!.n;
}

describe("webhook fan-out", () => {
  it("creates one delivery per matching webhook, and none for other events, flows or disabled hooks", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await publishFlow(tenant, helloFlow, "other");
    const all = await createWebhook(tenant, { url: receiver("ok/all"), events: ["JOB.COMPLETED", "JOB.ERROR"] });
    const onlyOther = await createWebhook(tenant, { url: receiver("ok/other"), flows: ["other"] });
    const errorsOnly = await createWebhook(tenant, { url: receiver("ok/errors"), events: ["JOB.ERROR"] });
    const disabled = await createWebhook(tenant, { url: receiver("ok/disabled"), enabled: false });

    const jobId = await completedJob(tenant, "hello");
    expect((await deliveries(tenant, all.id)).map((delivery) => delivery.jobId)).toEqual([jobId]);
    expect(await deliveries(tenant, onlyOther.id)).toEqual([]);
    expect(await deliveries(tenant, errorsOnly.id)).toEqual([]);
    expect(await deliveries(tenant, disabled.id)).toEqual([]);

    const otherJob = await completedJob(tenant, "other");
    expect((await deliveries(tenant, onlyOther.id)).map((delivery) => delivery.jobId)).toEqual([otherJob]);
  });

  it("produces no delivery for a job when the space has no webhook", async () => {
    const tenant = await createTenant();
    const jobId = await completedJob(tenant);
    expect(await deliveryCount(tenant, jobId)).toBe(0);
  });

  it("sends JOB.CANCELED for a canceled running job", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/canceled"), events: ["JOB.CANCELED"] });
    await publishFlow(tenant, { ...helloFlow, nodes: [...helloFlow.nodes.slice(0, 2), { id: "nap", type: "WAIT", name: "nap", data: { seconds: "600" } }, ...helloFlow.nodes.slice(2)], connections: [{ source: "start", target: "greet" }, { source: "greet", target: "nap" }, { source: "nap", target: "say" }, { source: "say", target: "end" }] }, "slow");
    const jobId = (await trigger(tenant, "slow")).body.jobId;
    await dispatch(tenant.accountId);
    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
    const [delivery] = await deliveries(tenant, hook.id);
    const row = await tenant.db.prepare("SELECT event_type FROM webhook_deliveries WHERE id = ?").bind(delivery.id).first<{ event_type: string }>();
    expect(row!.event_type).toBe("JOB.CANCELED");
  });

  it("creates one delivery per webhook even when the final transition is processed twice", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/twice") });
    const jobId = await completedJob(tenant);
    // As if the runner died after writing D1 but before recording it: the final mirror runs again.
    await runInDurableObject(runner(jobId), async (_instance: JobRunner, state) => {
      const control = state.storage.kv.get<Control>("control")!;
      state.storage.kv.put("control", { ...control, finalMirrored: false });
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(runner(jobId));
    expect(await deliveryCount(tenant, jobId)).toBe(1);
    expect(await deliveries(tenant, hook.id)).toHaveLength(1);
  });
});
