// Rotating WEBHOOK_SECRET_KEY (lib/secret-key.ts, tenancy/reencrypt.ts): with the old key as
// WEBHOOK_SECRET_KEY_PREVIOUS, every stored webhook and connector secret keeps working; the admin
// walk re-encrypts them under the new key page by page, after which the previous key can go. No
// secret is ever answered.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/webhooks/fanout";
import { createConnector, HTTP_TOKEN, httpConnector } from "../connectors/helpers";
import { receivedRequests } from "../flow-jobs/helpers";
import { ADMIN_TOKEN, createTenant, type Tenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { completedJob, createWebhook, deliveries, received, receiver, shardHoldingDelivery } from "../webhooks/helpers";

const NEW_KEY = "rotated-secret-key-2026-12-02";
/** Mid-rotation: the new key set, the old one kept as the previous key. */
const rotating = (): Env => ({ ...env, WEBHOOK_SECRET_KEY: NEW_KEY, WEBHOOK_SECRET_KEY_PREVIOUS: env.WEBHOOK_SECRET_KEY });
/** After the rotation: the previous key deleted. */
const rotated = (): Env => ({ ...env, WEBHOOK_SECRET_KEY: NEW_KEY });

async function request(environment: Env, method: string, path: string, key: string, body?: unknown) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://flowjobs.test${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    environment,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as any };
}

/** A tenant with an http connector (bearer HTTP_TOKEN to the receiver) and a webhook, both stored under the old key. */
async function tenantWithSecrets() {
  const tenant = await createTenant();
  const name = crypto.randomUUID();
  const connector = await createConnector(tenant, httpConnector("crm", { baseUrl: `${env.RECEIVER_URL}/api/slow/${name}?ms=0` }));
  const hook = await createWebhook(tenant, { url: receiver(`ok/rotation-${name}`) });
  return { tenant, name, connector, hook };
}

/** The connector test under `environment`: whether it decrypted the token and sent it. */
async function connectorWorks(environment: Env, tenant: Tenant, name: string) {
  const before = (await receivedRequests(name)).length;
  const result = await request(environment, "POST", "/api/connectors/crm/test", tenant.managementKey);
  expect(result.status).toBe(200);
  const sent = await receivedRequests(name);
  if (!result.body.ok) return false;
  expect(sent).toHaveLength(before + 1);
  expect(sent.at(-1)!.headers.authorization).toBe(`Bearer ${HTTP_TOKEN}`);
  return true;
}

/** A new job's delivery, consumed under `environment`: the request received, verified with the webhook's secret. */
async function deliveredAndVerified(environment: Env, tenant: Tenant, hook: { id: string; secret: string }, name: string) {
  const jobId = await completedJob(tenant);
  const delivery = (await deliveries(tenant, hook.id)).find((item) => item.jobId === jobId)!;
  const batch = createMessageBatch<DeliveryMessage>("webhook-deliveries", [
    { id: `rotation-${delivery.id}`, timestamp: new Date(), attempts: 1, body: { deliveryId: delivery.id, series: 1, shard: await shardHoldingDelivery(delivery.id) } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, environment, ctx);
  await getQueueResult(batch, ctx);
  const requests = await received(`rotation-${name}`);
  const mine = requests.find((item) => item.body.includes(jobId));
  if (!mine) return false;
  expect(() => new Webhook(hook.secret).verify(mine.body, mine.headers)).not.toThrow();
  return true;
}

/** Walks every page of POST /api/admin/secrets/reencrypt, `limit` secrets a call, summing the reports. */
async function walk(environment: Env, limit: number) {
  const total = { reencrypted: 0, alreadyCurrent: 0, unreadable: [] as { kind: string; id: string }[], calls: 0, answers: "" };
  let after: string | null = null;
  do {
    const page = await request(environment, "POST", "/api/admin/secrets/reencrypt", ADMIN_TOKEN, { after, limit });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    total.reencrypted += page.body.reencrypted;
    total.alreadyCurrent += page.body.alreadyCurrent;
    total.unreadable.push(...page.body.unreadable);
    total.answers += JSON.stringify(page.body);
    total.calls++;
    after = page.body.next;
  } while (after !== null);
  return total;
}

async function ciphertexts(ids: string[]) {
  const rows = await directoryDb()
    .prepare("SELECT id, secret_ciphertext FROM webhooks WHERE id IN (SELECT value FROM json_each(?1)) UNION ALL SELECT id, secret_ciphertext FROM connectors WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<{ id: string; secret_ciphertext: string }>();
  return Object.fromEntries(rows.results.map((row) => [row.id, row.secret_ciphertext]));
}

describe("rotating WEBHOOK_SECRET_KEY", () => {
  it("keeps connectors and webhooks working under the new key while the previous one is set, and not without it", async () => {
    const { tenant, name, hook } = await tenantWithSecrets();
    expect(await connectorWorks(rotated(), tenant, name)).toBe(false);
    expect(await connectorWorks(rotating(), tenant, name)).toBe(true);
    expect(await deliveredAndVerified(rotating(), tenant, hook, name)).toBe(true);
  });

  it("re-encrypts every secret page by page; afterwards they work without the previous key, and a second walk finds all current", async () => {
    const { tenant, name, connector, hook } = await tenantWithSecrets();
    // A connector whose ciphertext no key opens (as if stored under a key long gone).
    const lost = await createConnector(tenant, httpConnector("lost"));
    await directoryDb().prepare("UPDATE connectors SET secret_ciphertext = ? WHERE id = ?").bind("AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA", lost.id).run();
    const before = await ciphertexts([hook.id, connector.id]);
    // A delivery before the walk: this isolate remembers the endpoint with its old ciphertext.
    expect(await deliveredAndVerified(rotating(), tenant, hook, name)).toBe(true);

    const first = await walk(rotating(), 2);
    expect(first.reencrypted).toBeGreaterThanOrEqual(2);
    expect(first.calls).toBeGreaterThan(2);
    expect(first.unreadable).toContainEqual({ kind: "connector", id: lost.id, spaceId: tenant.spaceId });
    expect(first.unreadable.map((item) => item.id)).not.toEqual(expect.arrayContaining([hook.id]));
    expect(first.unreadable.map((item) => item.id)).not.toEqual(expect.arrayContaining([connector.id]));
    // No secret, in any form, in the answers.
    for (const secret of [HTTP_TOKEN, hook.secret, ...Object.values(before)]) expect(first.answers).not.toContain(secret);

    const afterwards = await ciphertexts([hook.id, connector.id]);
    expect(afterwards[hook.id]).not.toBe(before[hook.id]);
    expect(afterwards[connector.id]).not.toBe(before[connector.id]);
    expect(await connectorWorks(rotated(), tenant, name)).toBe(true);
    expect(await deliveredAndVerified(rotated(), tenant, hook, name)).toBe(true);

    const second = await walk(rotated(), 500);
    expect(second.reencrypted).toBe(0);
    expect(second.unreadable).toContainEqual({ kind: "connector", id: lost.id, spaceId: tenant.spaceId });
    expect(await ciphertexts([hook.id, connector.id])).toEqual(afterwards);
  });

  it("refuses a cursor it did not hand out, and anyone but the admin", async () => {
    const refused = await request(rotating(), "POST", "/api/admin/secrets/reencrypt", ADMIN_TOKEN, { after: "keys:01" });
    expect(refused.status).toBe(400);
    expect(refused.body.type).toBe("invalid-cursor");
    const tenant = await createTenant();
    expect((await request(rotating(), "POST", "/api/admin/secrets/reencrypt", tenant.managementKey, { after: null })).status).toBe(401);
  });
});
