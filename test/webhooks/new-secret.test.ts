// POST /api/webhooks/{id}/secret gives an endpoint a new signing secret (shown once) that signs every
// attempt from then on; a signing secret no key of the deployment opens fails its delivery at once,
// saying why and how to mend it, instead of retrying it for good.
import { describe, expect, it } from "vitest";
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
