// POST /api/connectors/{idOrAlias}/test against a real Postgres (the test globalSetup's server):
// SELECT 1 succeeds; against a real PostgreSQL (not PGlite, which takes any password) a wrong
// password is ok false with the server's reason and without the password.
import { describe, expect, inject, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { createConnector } from "./helpers";

const WRONG_PASSWORD = "wrong-Secret-19d4c2";

describe("connector test endpoint, postgres", () => {
  it("connects and runs SELECT 1", async () => {
    const server = inject("postgres");
    const tenant = await createTenant();
    const { host, port, database, user, password } = server;
    await createConnector(tenant, { name: "Test database", alias: "warehouse", type: "postgres", config: { host, port, database, user, ssl: "disable" }, secret: { password } });
    const result = await call("POST", "/api/connectors/warehouse/test", { key: tenant.managementKey });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true, latencyMs: expect.any(Number), message: `Connected to ${host}:${port}, database '${database}' as '${user}'; SELECT 1 succeeded.` });
  });

  it.runIf(inject("postgres").kind === "postgresql")("refuses a wrong password without repeating it", async () => {
    const { host, port, database, user } = inject("postgres");
    const tenant = await createTenant();
    await createConnector(tenant, { name: "Test database", alias: "warehouse", type: "postgres", config: { host, port, database, user, ssl: "disable" }, secret: { password: WRONG_PASSWORD } });
    const result = await call("POST", "/api/connectors/warehouse/test", { key: tenant.managementKey });
    expect(result.body).toMatchObject({ ok: false, message: expect.stringContaining("password") });
    expect(JSON.stringify(result.body)).not.toContain(WRONG_PASSWORD);
  });
});
