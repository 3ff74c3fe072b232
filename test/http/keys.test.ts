// The keys API (DESIGN.md §4.3): list without secrets, create, delete (refused within the key
// cache's 10 s everywhere, at once on the isolate that deleted), tenant isolation, lastUsedAt.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { rememberCaller } from "../../worker/keys/cache";
import { addSpace, call, createTenant, type Tenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";

const secretOf = (key: string) => key.slice("fjk_".length + 27);
/** The contract's bound: a deleted key is refused everywhere within 10 s. */
const REFUSED_WITHIN_MS = 10_000;
const MINUTE_MS = 60_000;

async function createKey(tenant: Tenant, kind: "solver" | "management", name: string) {
  const created = await call("POST", "/api/keys", { key: tenant.managementKey, body: { kind, name } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; key: string; name: string; kind: string; createdAt: string; lastUsedAt: null };
}

/** Whether the key is accepted: a job that does not exist is 404 to a valid key, 401 otherwise. */
async function accepted(key: string): Promise<boolean> {
  const response = await call("GET", "/job/01HZZZZZZZZZZZZZZZZZZZZZZZ", { key });
  expect([401, 404]).toContain(response.status);
  return response.status === 404;
}

async function listKeys(tenant: Tenant) {
  const list = await call("GET", "/api/keys", { key: tenant.managementKey });
  expect(list.status).toBe(200);
  return list.body.items as { id: string; name: string; kind: string; createdAt: string; lastUsedAt: string | null }[];
}

afterEach(() => {
  vi.useRealTimers();
});

describe("keys API", () => {
  it("lists the space's keys with name, kind, createdAt and lastUsedAt, and never a secret or its hash", async () => {
    const tenant = await createTenant();
    const list = await call("GET", "/api/keys", { key: tenant.managementKey });
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { name: string; kind: string }) => [item.name, item.kind])).toEqual([
      ["ci", "solver"],
      ["console", "management"],
    ]);
    for (const item of list.body.items) {
      expect(Object.keys(item).sort()).toEqual(["createdAt", "id", "kind", "lastUsedAt", "name"]);
      expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);
    }
    const stored = await directoryDb().prepare("SELECT secret_hash FROM api_keys WHERE space_id = ?").bind(tenant.spaceId).all<{ secret_hash: string }>();
    const text = JSON.stringify(list.body);
    for (const key of [tenant.solverKey, tenant.managementKey]) expect(text).not.toContain(secretOf(key));
    for (const row of stored.results) expect(text).not.toContain(row.secret_hash);
  });

  it("creates keys that work at once; the key is in the creation answer only", async () => {
    const tenant = await createTenant();
    const solver = await createKey(tenant, "solver", "deploy");
    expect(solver).toMatchObject({ name: "deploy", kind: "solver", lastUsedAt: null });
    expect(solver.key).toMatch(new RegExp(`^fjk_${solver.id}_[A-Za-z0-9_-]{43}$`));
    expect(await accepted(solver.key)).toBe(true);
    expect((await call("GET", "/api/me", { key: solver.key })).status).toBe(403);

    const management = await createKey(tenant, "management", "ops");
    const me = await call("GET", "/api/me", { key: management.key });
    expect(me.status).toBe(200);
    expect(me.body.key).toEqual({ id: management.id, name: "ops", kind: "management" });
    expect(me.body.space.id).toBe(tenant.spaceId);

    const list = await listKeys(tenant);
    expect(list.map((item) => item.id)).toEqual(expect.arrayContaining([solver.id, management.id]));
    expect(JSON.stringify(list)).not.toContain(secretOf(solver.key));
    expect(JSON.stringify(list)).not.toContain(secretOf(management.key));
  });

  it("refuses a key of an unknown kind or without a name with 422", async () => {
    const tenant = await createTenant();
    const response = await call("POST", "/api/keys", { key: tenant.managementKey, body: { kind: "admin", name: "" } });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(expect.arrayContaining(["json.kind", "json.name"]));
    expect(await listKeys(tenant)).toHaveLength(2);
  });

  it("refuses a deleted key with 401 at once on the isolate that deleted it, though it was cached", async () => {
    const tenant = await createTenant();
    const doomed = await createKey(tenant, "solver", "doomed");
    expect(await accepted(doomed.key)).toBe(true);

    const deleted = await call("DELETE", `/api/keys/${doomed.id}`, { key: tenant.managementKey });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    const refused = await call("GET", "/job/01HZZZZZZZZZZZZZZZZZZZZZZZ", { key: doomed.key });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ type: "unauthorized" });
    expect((await listKeys(tenant)).map((item) => item.id)).not.toContain(doomed.id);
    expect((await call("DELETE", `/api/keys/${doomed.id}`, { key: tenant.managementKey })).status).toBe(404);
  });

  it("refuses a deleted key with 401 everywhere within the key cache's 10 s", async () => {
    const tenant = await createTenant();
    const doomed = await createKey(tenant, "solver", "elsewhere");
    vi.useFakeTimers({ toFake: ["Date"] });
    const deletedAt = Date.now();
    expect((await call("DELETE", `/api/keys/${doomed.id}`, { key: tenant.managementKey })).status).toBe(204);
    // Tests run in one isolate: an entry planted after the delete is what another isolate holds
    // when it verified the key just before the delete.
    rememberCaller(
      doomed.key,
      { keyId: doomed.id, keyName: doomed.name, kind: "solver", spaceId: tenant.spaceId, accountId: tenant.accountId, shard: tenant.shard },
      deletedAt,
    );
    expect(await accepted(doomed.key)).toBe(true);
    vi.setSystemTime(deletedAt + REFUSED_WITHIN_MS);
    expect(await accepted(doomed.key)).toBe(false);
  });

  it("lets a key delete itself", async () => {
    const tenant = await createTenant();
    const self = await createKey(tenant, "management", "self");
    expect((await call("DELETE", `/api/keys/${self.id}`, { key: self.key })).status).toBe(204);
    expect((await call("GET", "/api/me", { key: self.key })).status).toBe(401);
    expect((await listKeys(tenant)).map((item) => item.id)).not.toContain(self.id);
  });

  it("answers 404 key-not-found for another space's key, an unknown or a malformed id, and deletes nothing", async () => {
    const tenant = await createTenant();
    const neighbour = await addSpace(tenant.accountId);
    const other = await createKey(neighbour, "solver", "theirs");
    for (const id of [other.id, "01HZZZZZZZZZZZZZZZZZZZZZZZ", "not-a-key-id"]) {
      const response = await call("DELETE", `/api/keys/${id}`, { key: tenant.managementKey });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body).toMatchObject({ type: "key-not-found", status: 404 });
    }
    expect(await accepted(other.key)).toBe(true);
    expect((await listKeys(neighbour)).map((item) => item.id)).toContain(other.id);
    expect((await listKeys(tenant)).map((item) => item.id)).not.toContain(other.id);
  });

  it("keeps solver keys out with 403, as on every /api route", async () => {
    const tenant = await createTenant();
    const [solverId] = (await listKeys(tenant)).filter((item) => item.kind === "solver").map((item) => item.id);
    const requests = [
      call("GET", "/api/keys", { key: tenant.solverKey }),
      call("POST", "/api/keys", { key: tenant.solverKey, body: { kind: "management", name: "escalate" } }),
      call("DELETE", `/api/keys/${solverId}`, { key: tenant.solverKey }),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ type: "forbidden" });
    }
    expect(await listKeys(tenant)).toHaveLength(2);
  });

  it("records lastUsedAt at most once a minute per key, not on every request, and not for a refused one", async () => {
    const tenant = await createTenant();
    const key = await createKey(tenant, "management", "busy");
    const storedUse = async () =>
      (await directoryDb().prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(key.id).first<{ last_used_at: number | null }>())!.last_used_at;
    // The write is in waitUntil: call the handler with an execution context and wait for it.
    const use = async (path: string, status: number) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`https://flowjobs.test${path}`, { headers: { authorization: `Bearer ${key.key}` } }), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(status);
    };
    await use("/job/01HZZZZZZZZZZZZZZZZZZZZZZZ", 404);
    expect(await storedUse()).toBeNull();

    vi.useFakeTimers({ toFake: ["Date"] });
    const firstUse = Date.now();
    await use("/api/me", 200);
    expect(await storedUse()).toBe(firstUse);
    const listed = (await listKeys(tenant)).find((item) => item.id === key.id)!;
    expect(listed.lastUsedAt).toBe(new Date(firstUse).toISOString());

    vi.setSystemTime(firstUse + 30_000);
    await use("/api/me", 200);
    vi.setSystemTime(firstUse + MINUTE_MS - 1);
    await use("/api/me", 200);
    expect(await storedUse()).toBe(firstUse);

    vi.setSystemTime(firstUse + MINUTE_MS);
    await use("/api/me", 200);
    expect(await storedUse()).toBe(firstUse + MINUTE_MS);
  });

  it("declares the keys routes in the OpenAPI document", async () => {
    const doc = await call("GET", "/api/openapi.json");
    expect(Object.keys(doc.body.paths["/api/keys"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.body.paths["/api/keys/{id}"])).toEqual(["delete"]);
    expect(doc.body.components.schemas.ApiKey.properties).not.toHaveProperty("key");
    expect(doc.body.components.schemas.CreatedApiKey.properties).toHaveProperty("key");
  });
});
