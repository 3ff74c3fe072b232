// The connectors API (DESIGN.md §11): create, list, read, update and delete by id or alias, scoped by
// space (another space's connector is 404), aliases unique per space, bad input 422 naming the fields
// and changing nothing, and fail-closed without the key that encrypts secrets.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { call, createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { createConnector, HTTP_TOKEN, httpConnector, PG_PASSWORD, postgresConnector } from "./helpers";

describe("connectors API", () => {
  it("creates a postgres connector (default port, no secret in the answer) and reads it by id and by alias", async () => {
    const tenant = await createTenant();
    const body = postgresConnector();
    delete (body.config as { port?: number }).port;
    const created = await createConnector(tenant, body);
    expect(created).toEqual({
      id: expect.any(String),
      name: "Orders database",
      alias: "orders-db",
      type: "postgres",
      config: { host: "127.0.0.1", port: 5432, database: "orders", user: "flowjobs", ssl: "disable" },
      secretSet: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    for (const ref of [created.id, "orders-db"]) {
      const read = await call("GET", `/api/connectors/${ref}`, { key: tenant.managementKey });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created);
    }
    const list = await call("GET", "/api/connectors", { key: tenant.managementKey });
    expect(list.body).toEqual({ items: [created] });
  });

  it("checks each type's config and secret, naming every bad field, and stores nothing", async () => {
    const tenant = await createTenant();
    const refused = async (body: unknown) => {
      const response = await call("POST", "/api/connectors", { key: tenant.managementKey, body });
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body.type).toBe("invalid-body");
      return (response.body.errors as { path: string }[]).map((error) => error.path).sort();
    };
    expect(await refused({ ...postgresConnector(), config: { host: "db", port: 70000, user: "u", hostname: "x" } })).toEqual([
      "json.config",
      "json.config.database",
      "json.config.port",
    ]);
    expect(await refused({ ...postgresConnector(), secret: { token: "x" } })).toEqual(["json.secret", "json.secret.password"]);
    expect(await refused({ ...postgresConnector("Not An Alias") })).toEqual(["json.alias"]);
    expect(await refused({ ...httpConnector(), type: "ftp" })).toEqual(["json.type"]);
    expect(await refused(httpConnector("crm", { baseUrl: "ftp://example.com" }))).toEqual(["json.config.baseUrl"]);
    // The secret's one field is the one the auth takes; basic needs a username, header a header name.
    expect(await refused(httpConnector("crm", { auth: "basic" }))).toEqual(["json.config.username", "json.secret.password", "json.secret.token"]);
    expect(await refused({ ...httpConnector("crm", { auth: "header", headerName: "X Key" }), secret: { value: "v" } })).toEqual(["json.config.headerName"]);
    const { results } = await directoryDb().prepare("SELECT id FROM connectors WHERE space_id = ?").bind(tenant.spaceId).all();
    expect(results).toEqual([]);
  });

  it("keeps aliases unique per space (409 alias-taken), but another space may use the same alias", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await createConnector(tenant, postgresConnector("shared"));
    const again = await call("POST", "/api/connectors", { key: tenant.managementKey, body: httpConnector("shared") });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: "alias-taken", detail: "The alias 'shared' is already used by a connector of this space." });
    await createConnector(other, httpConnector("shared"));
  });

  it("answers 404 for another space's connector on every route, and changes nothing there", async () => {
    const tenant = await createTenant();
    const stranger = await createTenant();
    const created = await createConnector(tenant, postgresConnector());
    for (const ref of [created.id, created.alias]) {
      const answers = [
        await call("GET", `/api/connectors/${ref}`, { key: stranger.managementKey }),
        await call("PATCH", `/api/connectors/${ref}`, { key: stranger.managementKey, body: { name: "stolen" } }),
        await call("POST", `/api/connectors/${ref}/test`, { key: stranger.managementKey }),
        await call("DELETE", `/api/connectors/${ref}`, { key: stranger.managementKey }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ type: "connector-not-found", detail: `No connector '${ref}' in this space.` });
      }
    }
    expect((await call("GET", "/api/connectors", { key: stranger.managementKey })).body).toEqual({ items: [] });
    expect((await call("GET", `/api/connectors/${created.id}`, { key: tenant.managementKey })).body).toEqual(created);
  });

  it("refuses solver keys and missing keys", async () => {
    const tenant = await createTenant();
    expect((await call("GET", "/api/connectors", { key: tenant.solverKey })).status).toBe(403);
    expect((await call("GET", "/api/connectors")).status).toBe(401);
  });

  it("updates name, alias and config; a new secret replaces the old one; the type or auth changes only with a new secret", async () => {
    const tenant = await createTenant();
    const created = await createConnector(tenant, httpConnector());
    const patch = (body: unknown) => call("PATCH", `/api/connectors/${created.id}`, { key: tenant.managementKey, body });

    const renamed = await patch({ name: "CRM", alias: "crm-v2", config: { auth: "bearer", baseUrl: "https://crm.example.com/api" } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.id, name: "CRM", alias: "crm-v2", config: { auth: "bearer", baseUrl: "https://crm.example.com/api" }, secretSet: true });
    expect((await call("GET", "/api/connectors/crm", { key: tenant.managementKey })).status).toBe(404);

    // Auth changes need the secret of the new auth; a config of the other type is refused.
    const noSecret = await patch({ config: { auth: "basic", username: "ada" } });
    expect(noSecret.status).toBe(422);
    expect(noSecret.body.errors).toEqual([{ path: "json.secret", message: "is required when auth changes to basic (the secret is { password })" }]);
    const wrongShape = await patch({ config: { host: "db", database: "d", user: "u" } });
    expect(wrongShape.status).toBe(422);
    expect(wrongShape.body.errors.map((error: { path: string }) => error.path)).toContain("json.config.auth");
    const retype = await patch({ type: "postgres" });
    expect(retype.status).toBe(422);
    expect(retype.body.errors.map((error: { path: string }) => error.path)).toEqual(["json.config", "json.secret"]);
    expect((await call("GET", `/api/connectors/${created.id}`, { key: tenant.managementKey })).body).toEqual(renamed.body);

    const basic = await patch({ config: { auth: "basic", username: "ada" }, secret: { password: "new-password" } });
    expect(basic.status, JSON.stringify(basic.body)).toBe(200);
    expect(basic.body.config).toEqual({ auth: "basic", username: "ada" });
    const postgres = await patch({ type: "postgres", config: { host: "db.internal", database: "crm", user: "crm" }, secret: { password: PG_PASSWORD } });
    expect(postgres.status, JSON.stringify(postgres.body)).toBe(200);
    expect(postgres.body).toMatchObject({ type: "postgres", config: { host: "db.internal", port: 5432, database: "crm", user: "crm" } });
    expect(JSON.stringify(postgres.body)).not.toContain(HTTP_TOKEN);
  });

  it("refuses an alias another connector of the space has (409) on update", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, postgresConnector("first"));
    const second = await createConnector(tenant, postgresConnector("second"));
    const taken = await call("PATCH", `/api/connectors/${second.id}`, { key: tenant.managementKey, body: { alias: "first" } });
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe("alias-taken");
  });

  it("deletes a connector no flow uses (204), by alias; then it is gone", async () => {
    const tenant = await createTenant();
    const created = await createConnector(tenant, postgresConnector());
    expect((await call("DELETE", "/api/connectors/orders-db", { key: tenant.managementKey })).status).toBe(204);
    expect((await call("GET", `/api/connectors/${created.id}`, { key: tenant.managementKey })).status).toBe(404);
    expect((await call("DELETE", "/api/connectors/orders-db", { key: tenant.managementKey })).status).toBe(404);
  });

  it("fails closed without WEBHOOK_SECRET_KEY: 503 connectors-not-configured, nothing stored, and no secret can be replaced", async () => {
    const tenant = await createTenant();
    const existing = await createConnector(tenant, httpConnector());
    const withoutKey = async (method: string, path: string, body?: unknown) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`https://flowjobs.test${path}`, {
          method,
          headers: { authorization: `Bearer ${tenant.managementKey}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        { ...env, WEBHOOK_SECRET_KEY: "" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as Record<string, unknown> };
    };
    const create = await withoutKey("POST", "/api/connectors", postgresConnector());
    expect(create.status).toBe(503);
    expect(create.type).toContain("application/problem+json");
    expect(create.body).toMatchObject({ type: "connectors-not-configured", detail: expect.stringContaining("WEBHOOK_SECRET_KEY") });
    expect((await withoutKey("PATCH", `/api/connectors/${existing.id}`, { secret: { token: "other" } })).status).toBe(503);
    expect((await withoutKey("POST", `/api/connectors/${existing.id}/test`)).status).toBe(503);
    const { results } = await directoryDb().prepare("SELECT alias FROM connectors WHERE space_id = ?").bind(tenant.spaceId).all();
    expect(results).toEqual([{ alias: "crm" }]);
  });
});
