// Every final state tells (DESIGN §1.5, §8), also those no runner writes: a job canceled while
// waiting (one cancel, cancel-all of a space or of a flow version) sends JOB.CANCELED, and a zombie
// sends JOB.ERROR — exactly one delivery per matching webhook, created with the transition.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import { runWatchdog, STALE_AFTER_MS } from "../../worker/jobs/watchdog";
import type { DeliveryMessage } from "../../worker/webhooks/fanout";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runAlarm, runner } from "../helpers/drive";
import { countingFlow, helloFlow, sleepyFlow } from "../helpers/flows";
import { createWebhook, deliver, received, receiver } from "./helpers";

interface DeliveryRow {
  id: string;
  webhook_id: string;
  job_id: string;
  event_type: string;
  status: string;
}

async function deliveryRows(tenant: Tenant): Promise<DeliveryRow[]> {
  const rows = await tenant.db.prepare(
    "SELECT id, webhook_id, job_id, event_type, status FROM webhook_deliveries WHERE space_id = ? ORDER BY job_id, webhook_id",
  )
    .bind(tenant.spaceId)
    .all<DeliveryRow>();
  return rows.results;
}

/** The delivery messages queued, as the webhook-deliveries queue would receive them (the tests' producer has no consumer). */
function recordDeliveryMessages() {
  const sent: DeliveryMessage[] = [];
  vi.spyOn(env.WEBHOOK_DELIVERIES, "sendBatch").mockImplementation(async (messages: Iterable<MessageSendRequest<DeliveryMessage>>) => {
    for (const message of messages) sent.push(message.body);
    return undefined as never;
  });
  vi.spyOn(env.WEBHOOK_DELIVERIES, "send").mockImplementation(async (body: DeliveryMessage) => {
    sent.push(body);
    return undefined as never;
  });
  return sent;
}

/** A space with two flows and webhooks that do and do not want JOB.CANCELED of the first. */
async function spaceWithWebhooks(name: string) {
  const tenant = await createTenant({ parallelLimit: 1 });
  await publishFlow(tenant, helloFlow, "hello");
  await publishFlow(tenant, helloFlow, "other");
  const hooks = {
    canceled: await createWebhook(tenant, { url: receiver(`ok/${name}-canceled`), events: ["JOB.CANCELED"] }),
    everything: await createWebhook(tenant, { url: receiver(`ok/${name}-all`), events: ["JOB.COMPLETED", "JOB.ERROR", "JOB.CANCELED"] }),
    helloOnly: await createWebhook(tenant, { url: receiver(`ok/${name}-hello`), events: ["JOB.CANCELED"], flows: ["hello"] }),
    otherOnly: await createWebhook(tenant, { url: receiver(`ok/${name}-other`), events: ["JOB.CANCELED"], flows: ["other"] }),
    completedOnly: await createWebhook(tenant, { url: receiver(`ok/${name}-completed`), events: ["JOB.COMPLETED"] }),
    disabled: await createWebhook(tenant, { url: receiver(`ok/${name}-disabled`), events: ["JOB.CANCELED"], enabled: false }),
  };
  return { tenant, hooks };
}

/** The (job, webhook) pairs a cancel of these hello-flow jobs must produce, and nothing else. */
function expectedFor(jobIds: string[], hooks: Awaited<ReturnType<typeof spaceWithWebhooks>>["hooks"]) {
  return jobIds
    .flatMap((jobId) => [hooks.canceled.id, hooks.everything.id, hooks.helloOnly.id].map((webhookId) => `${jobId} ${webhookId}`))
    .sort();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("final states without a runner send their webhooks", () => {
  it("cancel of a waiting job: one JOB.CANCELED per matching webhook, queued, delivered; a repeated cancel adds none", async () => {
    const { tenant, hooks } = await spaceWithWebhooks("single");
    const sent = recordDeliveryMessages();
    const jobId = (await trigger(tenant, "hello", { name: "Ada" })).body.jobId as string;

    const canceled = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(canceled.body.status.state).toBe("CANCELED");
    const rows = await deliveryRows(tenant);
    expect(rows.map((row) => `${row.job_id} ${row.webhook_id}`).sort()).toEqual(expectedFor([jobId], hooks));
    expect(rows.every((row) => row.event_type === "JOB.CANCELED" && row.status === "pending")).toBe(true);
    expect(sent.map((message) => message.deliveryId).sort()).toEqual(rows.map((row) => row.id).sort());
    expect(sent.every((message) => message.series === 1 && message.shard === tenant.shard)).toBe(true);

    expect((await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey })).status).toBe(200);
    expect(await deliveryRows(tenant)).toEqual(rows);
    expect(sent).toHaveLength(rows.length);

    // The delivery carries the canceled job.
    vi.restoreAllMocks();
    const delivery = rows.find((row) => row.webhook_id === hooks.canceled.id)!;
    expect((await deliver({ deliveryId: delivery.id, series: 1 })).acked).toBe(true);
    const [request] = await received("single-canceled");
    const payload = JSON.parse(request.body);
    expect(payload).toMatchObject({ eventType: "JOB.CANCELED", data: { jobId, status: { state: "CANCELED", code: "JOB_USER_CANCELED" } } });
  });

  it("cancel-all of a space and of a flow version: one JOB.CANCELED per job and matching webhook; again, none", async () => {
    const { tenant, hooks } = await spaceWithWebhooks("all");
    const sent = recordDeliveryMessages();
    // The one slot is held by a job sleeping in a WAIT (cancel-all leaves running jobs alone), so the rest wait.
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const running = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
    await dispatch(tenant.accountId);
    const hello: string[] = [];
    for (let i = 0; i < 3; i++) hello.push((await trigger(tenant, "hello", { name: `h${i}` })).body.jobId);
    const other: string[] = [];
    for (let i = 0; i < 2; i++) other.push((await trigger(tenant, "other", { name: `o${i}` })).body.jobId);
    const pairs = async () => (await deliveryRows(tenant)).filter((row) => row.job_id !== running).map((row) => `${row.job_id} ${row.webhook_id}`).sort();

    expect((await call("POST", "/job/cancelAll/rule/other/1", { key: tenant.solverKey })).body).toEqual({ canceled: 2 });
    const forOther = other.flatMap((jobId) => [hooks.canceled.id, hooks.everything.id, hooks.otherOnly.id].map((id) => `${jobId} ${id}`));
    expect(await pairs()).toEqual(forOther.sort());

    expect((await call("POST", `/job/cancelAll/space/${tenant.spaceId}`, { key: tenant.solverKey })).body).toEqual({ canceled: 3 });
    expect(await pairs()).toEqual([...forOther, ...expectedFor(hello, hooks)].sort());
    const rows = (await deliveryRows(tenant)).filter((row) => row.job_id !== running);
    expect(rows.every((row) => row.event_type === "JOB.CANCELED")).toBe(true);
    expect(sent.map((message) => message.deliveryId).sort()).toEqual(rows.map((row) => row.id).sort());

    expect((await call("POST", `/job/cancelAll/space/${tenant.spaceId}`, { key: tenant.solverKey })).body).toEqual({ canceled: 0 });
    expect((await call("POST", "/job/cancelAll/rule/other/1", { key: tenant.solverKey })).body).toEqual({ canceled: 0 });
    expect(await pairs()).toEqual([...forOther, ...expectedFor(hello, hooks)].sort());
    expect(sent).toHaveLength(rows.length);
  });

  it("a zombie sends JOB.ERROR once, to the webhooks that want it", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const errors = await createWebhook(tenant, { url: receiver("ok/zombie-errors"), events: ["JOB.ERROR"] });
    await createWebhook(tenant, { url: receiver("ok/zombie-canceled"), events: ["JOB.CANCELED", "JOB.COMPLETED"] });
    const sent = recordDeliveryMessages();
    const jobId = (await trigger(tenant, "count", { n: 1_000_000 })).body.jobId as string;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    await runInDurableObject(runner(jobId), async (instance: JobRunner, state) => {
      await instance.idle();
      await state.storage.deleteAlarm();
      await state.storage.deleteAll();
    });

    const later = Date.now() + STALE_AFTER_MS + 1000;
    expect((await runWatchdog(env, later)).zombies).toContain(jobId);
    const rows = await deliveryRows(tenant);
    expect(rows.map((row) => [row.webhook_id, row.event_type])).toEqual([[errors.id, "JOB.ERROR"]]);
    expect(sent).toEqual([{ deliveryId: rows[0].id, series: 1, shard: tenant.shard }]);

    // A second run finds the job final: no second delivery.
    expect((await runWatchdog(env, later)).zombies).not.toContain(jobId);
    expect(await deliveryRows(tenant)).toEqual(rows);

    vi.restoreAllMocks();
    expect((await deliver({ deliveryId: rows[0].id, series: 1 })).acked).toBe(true);
    const [request] = await received("zombie-errors");
    expect(JSON.parse(request.body)).toMatchObject({ eventType: "JOB.ERROR", data: { jobId, status: { state: "ERROR", code: "ZOMBIE_PROCESS" } } });
  });
});
