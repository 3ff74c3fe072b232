import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { completedJob, createWebhook, deliveries, receiver } from "./helpers";

describe("webhooks API", () => {
  it("lists, updates and deletes webhooks without ever showing the secret again", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/crud"), events: ["JOB.COMPLETED", "JOB.COMPLETED"] });
    const list = await call("GET", "/api/webhooks", { key: tenant.managementKey });
    expect(list.body.items).toEqual([expect.objectContaining({ id: hook.id, events: ["JOB.COMPLETED"], flows: null, enabled: true })]);
    expect(JSON.stringify(list.body)).not.toContain(hook.secret);

    const patched = await call("PATCH", `/api/webhooks/${hook.id}`, {
      key: tenant.managementKey,
      body: { enabled: false, events: ["JOB.ERROR", "JOB.CANCELED"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, events: ["JOB.ERROR", "JOB.CANCELED"], url: receiver("ok/crud") });

    expect((await call("DELETE", `/api/webhooks/${hook.id}`, { key: tenant.managementKey })).status).toBe(204);
    expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items).toEqual([]);
  });

  it("refuses URLs that are not https (http only to this machine, locally) with 422", async () => {
    const tenant = await createTenant();
    for (const url of ["ftp://example.com/hook", "not a url", "http://example.com/hook", "javascript:alert(1)"]) {
      const response = await call("POST", "/api/webhooks", { key: tenant.managementKey, body: { url, events: ["JOB.COMPLETED"] } });
      expect({ url, status: response.status, type: response.body.type }).toEqual({ url, status: 422, type: "invalid-webhook-url" });
    }
    const bad = await call("POST", "/api/webhooks", { key: tenant.managementKey, body: { url: "https://example.com", events: ["JOB.DONE"] } });
    expect(bad.status).toBe(422);
    const unknownFlow = await call("POST", "/api/webhooks", {
      key: tenant.managementKey,
      body: { url: "https://example.com", events: ["JOB.COMPLETED"], flows: ["nope"] },
    });
    expect(unknownFlow.status).toBe(404);
    expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items).toEqual([]);
    expect((await createWebhook(tenant, { url: "https://hooks.example.com/flowjobs" })).id).toBeTruthy();
  });

  it("hides space A's webhooks and deliveries from space B (404)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const hook = await createWebhook(a, { url: receiver("ok/isolated") });
    await completedJob(a);
    const [delivery] = await deliveries(a, hook.id);
    const attempts = await Promise.all([
      call("PATCH", `/api/webhooks/${hook.id}`, { key: b.managementKey, body: { enabled: false } }),
      call("DELETE", `/api/webhooks/${hook.id}`, { key: b.managementKey }),
      call("GET", `/api/webhooks/${hook.id}/deliveries`, { key: b.managementKey }),
      call("POST", `/api/webhooks/deliveries/${delivery.id}/redeliver`, { key: b.managementKey }),
    ]);
    expect(attempts.map((response) => response.status)).toEqual([404, 404, 404, 404]);
    expect((await call("GET", "/api/webhooks", { key: b.managementKey })).body.items).toEqual([]);
    expect((await call("GET", "/api/webhooks", { key: a.managementKey })).body.items[0].enabled).toBe(true);
  });
});

describe("a webhook's flows", () => {
  /** `count` decision tables `flow-1`… seeded in the space, their ids in order. */
  async function seedFlows(tenant: Awaited<ReturnType<typeof createTenant>>, count: number): Promise<string[]> {
    await env.DIRECTORY.prepare(
      `INSERT INTO rules (id, space_id, name, alias, type, latest_version, created_at, updated_at)
       WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?2)
       SELECT printf('00FLOW%s%04d', substr(?1, 11, 16), x), ?1, 'flow ' || x, 'flow-' || x, 'decision-table', 1, 1, 1 FROM n`,
    ).bind(tenant.spaceId, count).run();
    const rows = await env.DIRECTORY.prepare("SELECT id FROM rules WHERE space_id = ? ORDER BY id").bind(tenant.spaceId).all<{ id: string }>();
    return rows.results.map((row) => row.id);
  }

  it("resolves up to 100 flows, by alias or id, and refuses 101 (422) or an unknown one (404) creating nothing", async () => {
    const tenant = await createTenant();
    const ids = await seedFlows(tenant, 101);
    const names = ids.slice(0, 100).map((id, index) => (index % 2 === 0 ? `flow-${index + 1}` : id));
    const body = (flows: string[]) => ({ key: tenant.managementKey, body: { url: "https://hooks.example.com/flows", events: ["JOB.COMPLETED"], flows } });

    const created = await call("POST", "/api/webhooks", body(names));
    expect(created.status).toBe(201);
    expect(created.body.flows).toEqual(ids.slice(0, 100));

    const tooMany = await call("POST", "/api/webhooks", body([...names, "flow-101"]));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: "json.flows" })]);
    const unknown = await call("POST", "/api/webhooks", body([...names.slice(0, 99), "no-such-flow"]));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: "rule-not-found", detail: expect.stringContaining("no-such-flow") });
    expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items).toHaveLength(1);
  });
});
