// POST /api/webhooks/{id}/secret gives an endpoint a new signing secret (shown once) that signs every
// attempt from then on; a signing secret no key of the deployment opens fails its delivery at once,
// saying why and how to mend it, instead of retrying it for good.
import { describe, expect, it, vi } from "vitest";
import { SECRET_UNREADABLE } from "../../worker/webhooks/delivery";
import { call, createTenant } from "../helpers/api";
import { verifiesWith } from "../support/signatures";
import { directoryDb } from "../helpers/db";
import { completedJob, createWebhook, deliver, deliveries, received, receiver } from "./helpers";

describe("a webhook's new signing secret", () => {
  it("signs every attempt from then on, the old secret no more, and is shown only in its answer", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/new-secret") });
    // A first delivery under the old secret (so this isolate remembers the endpoint with it).
    await completedJob(tenant);
    await deliver({ deliveryId: (await deliveries(tenant, hook.id))[0].id, series: 1 });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);

    const renewed = await call("POST", `/api/webhooks/${hook.id}/secret`, { key: tenant.managementKey });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ id: hook.id, url: receiver("ok/new-secret"), secret: expect.stringMatching(/^whsec_/) });
    expect(renewed.body.secret).not.toBe(hook.secret);
    const listed = await call("GET", "/api/webhooks", { key: tenant.managementKey });
    expect(JSON.stringify(listed.body)).not.toContain(renewed.body.secret);

    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
    const [before, request] = await received("new-secret");
    expect(verifiesWith(hook.secret, before)).toBe(true);
    expect(verifiesWith(renewed.body.secret, request)).toBe(true);
    expect(verifiesWith(hook.secret, request)).toBe(false);
  });

  it("with keepPreviousForSeconds, lets the replaced secret sign beside the new one until then, and then no more", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/grace") });
    const renewed = await call("POST", `/api/webhooks/${hook.id}/secret`, { key: tenant.managementKey, body: { keepPreviousForSeconds: 3600 } });
    expect(renewed.status).toBe(200);
    const until = Date.parse(renewed.body.previousSecretUntil);
    expect(until - Date.now()).toBeGreaterThan(3590_000);
    expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items[0].previousSecretUntil).toBe(renewed.body.previousSecretUntil);

    await completedJob(tenant);
    await deliver({ deliveryId: (await deliveries(tenant, hook.id))[0].id, series: 1 });
    const [during] = await received("grace");
    expect(during.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect([verifiesWith(renewed.body.secret, during), verifiesWith(hook.secret, during)]).toEqual([true, true]);

    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(until + 1000);
      await completedJob(tenant);
      await deliver({ deliveryId: (await deliveries(tenant, hook.id))[0].id, series: 1 });
      const [, after] = await received("grace");
      expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);
      expect([verifiesWith(renewed.body.secret, after), verifiesWith(hook.secret, after)]).toEqual([true, false]);
      expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items[0].previousSecretUntil).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a grace over 7 days, or an unknown field, with 422 and changes nothing", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/grace-refused") });
    const before = await directoryDb().prepare("SELECT secret_ciphertext FROM webhooks WHERE id = ?").bind(hook.id).first();
    for (const body of [{ keepPreviousForSeconds: 7 * 86_400 + 1 }, { keepPreviousForSeconds: -1 }, { keep: 10 }]) {
      const refused = await call("POST", `/api/webhooks/${hook.id}/secret`, { key: tenant.managementKey, body });
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.body.type).toBe("invalid-body");
    }
    expect(await directoryDb().prepare("SELECT secret_ciphertext FROM webhooks WHERE id = ?").bind(hook.id).first()).toEqual(before);
  });

  it("is 404 for another space's webhook", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const hook = await createWebhook(owner, { url: receiver("ok/not-yours") });
    const refused = await call("POST", `/api/webhooks/${hook.id}/secret`, { key: other.managementKey });
    expect(refused.status).toBe(404);
    expect(refused.body.type).toBe("webhook-not-found");
  });
});

describe("a signing secret no key opens", () => {
  it("fails the delivery at once with an attempt saying why; after a new secret a redelivery is sent", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/unreadable") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    // As after WEBHOOK_SECRET_KEY was replaced without keeping the previous key.
    await directoryDb().prepare("UPDATE webhooks SET secret_ciphertext = ? WHERE id = ?").bind("AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA", hook.id).run();

    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });
    const [failed] = await deliveries(tenant, hook.id);
    expect(failed).toMatchObject({ status: "failed", attempts: [{ attempt: 0, statusCode: null, error: SECRET_UNREADABLE }] });
    expect(await received("unreadable")).toEqual([]);

    const renewed = await call("POST", `/api/webhooks/${hook.id}/secret`, { key: tenant.managementKey });
    expect((await call("POST", `/api/webhooks/deliveries/${delivery.id}/redeliver`, { key: tenant.managementKey })).status).toBe(202);
    await deliver({ deliveryId: delivery.id, series: 2 });
    const [request] = await received("unreadable");
    expect(verifiesWith(renewed.body.secret, request)).toBe(true);
    expect((await deliveries(tenant, hook.id))[0]).toMatchObject({ status: "succeeded", series: 2 });
  });
});
