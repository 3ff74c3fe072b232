// Fail closed: without the WEBHOOK_SECRET_KEY secret no webhook is created (503
// webhooks-not-configured) and no delivery is signed with a key derived from nothing: the consumer
// logs it and retries later, the delivery unattempted, until the secret is set.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/webhooks/fanout";
import { createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { completedJob, createWebhook, deliver, deliveries, received, receiver } from "./helpers";

describe("webhooks without WEBHOOK_SECRET_KEY", () => {
  it("refuses to create a webhook with 503 webhooks-not-configured, and stores nothing", async () => {
    const tenant = await createTenant();
    for (const key of [undefined, ""]) {
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request("https://flowjobs.test/api/webhooks", {
          method: "POST",
          headers: { authorization: `Bearer ${tenant.managementKey}`, "content-type": "application/json" },
          body: JSON.stringify({ url: "https://example.com/hook", events: ["JOB.COMPLETED"] }),
        }),
        { ...env, WEBHOOK_SECRET_KEY: key },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(await response.json()).toMatchObject({ type: "webhooks-not-configured", detail: expect.stringContaining("WEBHOOK_SECRET_KEY") });
    }
    const rows = await directoryDb().prepare("SELECT count(*) AS n FROM webhooks WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("does not send a delivery without the key: logged, retried later, unattempted; sent once the key is back", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/no-key") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);

    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch<DeliveryMessage>("webhook-deliveries", [
      { id: "no-key-1", timestamp: new Date(), attempts: 1, body: { deliveryId: delivery.id, series: 1, shard: tenant.shard } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, WEBHOOK_SECRET_KEY: "" }, ctx);
    const result = await getQueueResult(batch, ctx);
    const logged = errors.mock.calls.map((call) => String(call[0]));
    errors.mockRestore();

    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toMatchObject([{ msgId: "no-key-1" }]);
    expect(logged).toEqual([expect.stringContaining("WEBHOOK_SECRET_KEY is not set")]);
    expect(await received("no-key")).toEqual([]);
    const [waiting] = await deliveries(tenant, hook.id);
    expect(waiting).toMatchObject({ status: "pending", attempts: [] });

    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
    const [request] = await received("no-key");
    expect(() => new Webhook(hook.secret).verify(request.body, request.headers)).not.toThrow();
  });
});
