import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { completedJob, createWebhook, deliver, deliveries, received, receiver } from "./helpers";

async function hexHmac(secret: string, body: string) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("webhook deliveries", () => {
  it("signs deliveries so the standardwebhooks library and the hex HMAC both verify them", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/signed") });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const jobId = await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    expect(delivery).toMatchObject({ jobId, status: "pending" });
    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });

    const [request] = await received("signed");
    const payload = new Webhook(hook.secret).verify(request.body, request.headers) as Record<string, any>;
    expect(request.headers["x-webhook-signature"]).toBe(await hexHmac(hook.secret, request.body));
    expect(request.body).toBe(JSON.stringify(JSON.parse(request.body)));
    expect(request.headers["webhook-id"]).toBe(delivery.id);
    expect(request.headers["x-webhook-delivery-attempt"]).toBe("0");
    expect(request.headers["x-webhook-timestamp"]).toBe(request.headers["webhook-timestamp"]);
    expect(payload).toMatchObject({
      eventType: "JOB.COMPLETED",
      entityType: "JOB",
      data: { jobId, status: { state: "COMPLETED" }, output: { greeting: "Hello, Ada" } },
      metadata: { spaceId: tenant.spaceId, deliveryId: delivery.id, correlationId: payload.data.correlationId },
    });
    const [after] = await deliveries(tenant, hook.id);
    expect(after.status).toBe("succeeded");
    expect(after.attempts).toEqual([expect.objectContaining({ attempt: 0, statusCode: 200, error: null })]);
  });

  it("retries 500, 500 then succeeds: three attempts logged with the same webhook-id", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("flaky/flaky-1") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    const first = await deliver({ deliveryId: delivery.id, series: 1 });
    const second = await deliver({ deliveryId: delivery.id, series: 1 });
    const third = await deliver({ deliveryId: delivery.id, series: 1 });
    expect([first.acked, second.acked, third.acked]).toEqual([false, false, true]);
    expect(second.retryDelay!).toBeGreaterThan(first.retryDelay!);

    const [after] = await deliveries(tenant, hook.id);
    expect(after.status).toBe("succeeded");
    expect(after.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(after.attempts[0].responseSnippet).toBe("answer 500 for attempt 1");
    const requests = await received("flaky-1");
    expect(new Set(requests.map((request) => request.headers["webhook-id"]))).toEqual(new Set([delivery.id]));
    expect(requests.map((request) => request.headers["x-webhook-delivery-attempt"])).toEqual(["0", "1", "2"]);
  });

  it("gives up at once on a 410: one attempt, failed, no retry", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("gone/gone-1") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
    const [after] = await deliveries(tenant, hook.id);
    expect(after.status).toBe("failed");
    expect(after.attempts).toHaveLength(1);
    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
    expect(await received("gone-1")).toHaveLength(1);
  });

  it("retries a receiver that never answers with growing delays, then dead-letters it", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("hang/hang-1") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    const delays: number[] = [];
    for (;;) {
      const result = await deliver({ deliveryId: delivery.id, series: 1 });
      if (result.acked) break;
      delays.push(result.retryDelay!);
    }
    expect(delays.length).toBeGreaterThanOrEqual(8);
    for (let index = 1; index < delays.length; index++) expect(delays[index]).toBeGreaterThan(delays[index - 1]);
    // About an hour in all.
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThan(45 * 60);
    const [after] = await deliveries(tenant, hook.id);
    expect(after.status).toBe("dead-lettered");
    expect(after.attempts).toHaveLength(delays.length + 1);
    expect(after.attempts.every((attempt) => attempt.error?.startsWith("timed out"))).toBe(true);
  });

  it("honours Retry-After", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("busy/busy-1") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    expect((await deliver({ deliveryId: delivery.id, series: 1 })).retryDelay).toBeGreaterThanOrEqual(120);
  });

  it("redelivers as a new attempt series with the same webhook-id", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/again") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    await deliver({ deliveryId: delivery.id, series: 1 });
    const again = await call("POST", `/api/webhooks/deliveries/${delivery.id}/redeliver`, { key: tenant.managementKey });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: delivery.id, series: 2, status: "pending" });
    // A stale message of the first series changes nothing; the new series delivers.
    await deliver({ deliveryId: delivery.id, series: 1 });
    await deliver({ deliveryId: delivery.id, series: 2 });
    const requests = await received("again");
    expect(requests.map((request) => request.headers["webhook-id"])).toEqual([delivery.id, delivery.id]);
    const [after] = await deliveries(tenant, hook.id);
    expect(after).toMatchObject({ status: "succeeded", series: 2 });
    expect(after.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([[0, 200], [0, 200]]);
  });

  it("keeps the signing secret encrypted at rest", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/rest") });
    const row = await directoryDb().prepare("SELECT * FROM webhooks WHERE id = ?").bind(hook.id).first();
    expect(JSON.stringify(row)).not.toContain(hook.secret.slice(6));
  });
});
