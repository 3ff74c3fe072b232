// Connectors as a test creates them: a postgres and an http one with secrets easy to search for.
import { expect } from "vitest";
import { call, type Tenant } from "../helpers/api";

/** A password no answer may contain (nor any of its parts a redaction could miss). */
export const PG_PASSWORD = "pg-Secret-5f2c9e71";
export const HTTP_TOKEN = "tok-Secret-8a41d3b0";

/** A loopback port nothing listens on (tcpmux): a connect is refused at once. */
export const CLOSED_PORT = 1;

export const postgresConnector = (alias = "orders-db", config: Record<string, unknown> = {}) => ({
  name: "Orders database",
  alias,
  type: "postgres",
  config: { host: "127.0.0.1", port: CLOSED_PORT, database: "orders", user: "flowjobs", ssl: "disable", ...config },
  secret: { password: PG_PASSWORD },
});

export const httpConnector = (alias = "crm", config: Record<string, unknown> = {}) => ({
  name: "CRM API",
  alias,
  type: "http",
  config: { auth: "bearer", baseUrl: `http://127.0.0.1:${CLOSED_PORT}/v1`, ...config },
  secret: { token: HTTP_TOKEN },
});

export async function createConnector(tenant: Tenant, body: unknown) {
  const created = await call("POST", "/api/connectors", { key: tenant.managementKey, body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; alias: string; type: string; config: Record<string, unknown>; secretSet: true };
}

/** START → a REST_API node `fetch` naming `connector` → END. */
export const flowNaming = (connector: string) => ({
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "fetch", type: "REST_API", name: "fetch", data: { url: "'/customers'", connector } },
    { id: "end", type: "END", name: "end", data: { output: "fetch.data" } },
  ],
  connections: [
    { source: "start", target: "fetch" },
    { source: "fetch", target: "end" },
  ],
});
