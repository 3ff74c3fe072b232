import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";

describe("admin API and keys", () => {
  it("refuses admin routes without the admin token, with problem+json", async () => {
    for (const key of [undefined, "wrong-token"]) {
      const response = await call("POST", "/api/admin/accounts", { key, body: { name: "x" } });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body).toMatchObject({ type: "unauthorized", status: 401 });
    }
  });

  it("creates accounts with settings, spaces and keys", async () => {
    const account = await call("POST", "/api/admin/accounts", {
      key: ADMIN_TOKEN,
      body: { name: "Acme", freeSeconds: 120, payAsYouGo: true, parallelLimit: 3, pricePerSecond: 0.002 },
    });
    expect(account.status).toBe(201);
    expect(account.body).toMatchObject({ name: "Acme", freeSeconds: 120, payAsYouGo: true, parallelLimit: 3, pricePerSecond: 0.002 });

    const patched = await call("PATCH", `/api/admin/accounts/${account.body.id}`, { key: ADMIN_TOKEN, body: { parallelLimit: 5 } });
    expect(patched.body).toMatchObject({ parallelLimit: 5, freeSeconds: 120 });

    const space = await call("POST", `/api/admin/accounts/${account.body.id}/spaces`, { key: ADMIN_TOKEN, body: { name: "prod" } });
    expect(space.status).toBe(201);
    const key = await call("POST", `/api/admin/spaces/${space.body.id}/keys`, { key: ADMIN_TOKEN, body: { kind: "solver", name: "ci" } });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^fjk_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
  });

  it("stores only a hash of each key", async () => {
    const tenant = await createTenant();
    const rows = await directoryDb().prepare("SELECT * FROM api_keys WHERE space_id = ?").bind(tenant.spaceId).all();
    const stored = JSON.stringify(rows.results);
    for (const key of [tenant.solverKey, tenant.managementKey]) {
      // The secret follows "fjk_<26-char id>_" and may itself contain "_".
      expect(stored).not.toContain(key.slice("fjk_".length + 27));
    }
  });

  it("answers 404 for a space or account that does not exist", async () => {
    const space = await call("POST", "/api/admin/accounts/NOPE/spaces", { key: ADMIN_TOKEN, body: { name: "x" } });
    expect(space.status).toBe(404);
    const key = await call("POST", "/api/admin/spaces/NOPE/keys", { key: ADMIN_TOKEN, body: { kind: "solver", name: "x" } });
    expect(key.status).toBe(404);
  });

  it("rejects invalid admin bodies with 422 and field errors", async () => {
    const response = await call("POST", "/api/admin/accounts", { key: ADMIN_TOKEN, body: { name: "", parallelLimit: -1 } });
    expect(response.status).toBe(422);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(["json.name", "json.parallelLimit"]),
    );
  });

  it("keeps solver keys out of the management API and accepts management keys on /job/*", async () => {
    const tenant = await createTenant();
    expect((await call("GET", "/api/me", { key: tenant.solverKey })).status).toBe(403);
    const me = await call("GET", "/api/me", { key: tenant.managementKey });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ space: { id: tenant.spaceId }, account: { id: tenant.accountId }, key: { kind: "management" } });
    expect((await call("GET", "/job/NOPE", { key: tenant.managementKey })).status).toBe(404);
    expect((await call("GET", "/job/NOPE", { key: "fjk_garbage" })).status).toBe(401);
  });
});
