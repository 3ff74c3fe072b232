// A delivery remembers its endpoint per isolate under the space's webhook epoch (webhooks/delivery.ts):
// the directory is read for the first delivery only, and a change to the endpoint made anywhere is
// seen by the first delivery after its epoch bump.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { jobShard } from "../../worker/db/databases";
import { bumpWebhookEpoch } from "../../worker/webhooks/space-webhooks";
import { createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { completedJob, createWebhook, deliver, deliveries, received, receiver } from "./helpers";

const ENDPOINT_READ = /^SELECT url, enabled, secret_ciphertext\b.* FROM webhooks WHERE id = \?/;

describe("the endpoint of a delivery", () => {
  it("is read from the directory for the first delivery of an isolate only", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/remembered-endpoint") });
    for (let index = 0; index < 3; index++) await completedJob(tenant);
    const pending = await deliveries(tenant, hook.id);
    const reads = vi.spyOn(env.DIRECTORY, "prepare");
    try {
      for (const delivery of pending) {
        expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
      }
      expect(reads.mock.calls.filter(([sql]) => ENDPOINT_READ.test(sql))).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
    expect(await received("remembered-endpoint")).toHaveLength(3);
  });

  it("sees an endpoint disabled in another isolate once the space's webhook epoch moved on", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/disabled-elsewhere") });
    for (let index = 0; index < 3; index++) await completedJob(tenant);
    const [third, second, first] = await deliveries(tenant, hook.id);
    await deliver({ deliveryId: first.id, series: 1 });
    // Another isolate disables it: the directory changes, this isolate's memory does not…
    await directoryDb().prepare("UPDATE webhooks SET enabled = 0 WHERE id = ?").bind(hook.id).run();
    await deliver({ deliveryId: second.id, series: 1 });
    expect(await received("disabled-elsewhere")).toHaveLength(2);
    // …and it bumps the space's epoch before answering: the next delivery sees the endpoint disabled.
    await bumpWebhookEpoch(jobShard(env, tenant.shard), tenant.spaceId);
    await deliver({ deliveryId: third.id, series: 1 });
    expect(await received("disabled-elsewhere")).toHaveLength(2);
    expect((await deliveries(tenant, hook.id))[0]).toMatchObject({ id: third.id, status: "failed", attempts: [] });
  });
});
