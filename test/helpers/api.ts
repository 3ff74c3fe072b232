// Test helpers that act as a user would: through the Worker's own fetch handler, with the admin
// token and the keys the admin API hands out. Each test builds its own tenant.
import { env, exports } from "cloudflare:workers";
import { shardNameOf } from "./db";
import { expect } from "vitest";

export const ADMIN_TOKEN = "test-admin-token";

export async function call(method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await exports.default.fetch(new Request(`https://flowjobs.test${path}`, { method, headers, body }));
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json };
}

export interface Tenant {
  accountId: string;
  spaceId: string;
  solverKey: string;
  managementKey: string;
  /** The job shard the account was placed on, and its database. */
  shard: string;
  db: D1Database;
}

export async function createTenant(settings: Record<string, unknown> = {}): Promise<Tenant> {
  const account = await call("POST", "/api/admin/accounts", {
    key: ADMIN_TOKEN,
    body: { name: "Test account", ...settings },
  });
  expect(account.status).toBe(201);
  return addSpace(account.body.id);
}

export async function addSpace(accountId: string): Promise<Tenant> {
  const space = await call("POST", `/api/admin/accounts/${accountId}/spaces`, { key: ADMIN_TOKEN, body: { name: "Test space" } });
  expect(space.status).toBe(201);
  const solver = await call("POST", `/api/admin/spaces/${space.body.id}/keys`, { key: ADMIN_TOKEN, body: { kind: "solver", name: "ci" } });
  const management = await call("POST", `/api/admin/spaces/${space.body.id}/keys`, {
    key: ADMIN_TOKEN,
    body: { kind: "management", name: "console" },
  });
  expect(solver.status).toBe(201);
  expect(management.status).toBe(201);
  const shard = await shardNameOf(accountId);
  return {
    accountId,
    spaceId: space.body.id,
    solverKey: solver.body.key,
    managementKey: management.body.key,
    shard,
    db: env[shard as `JOBS_${string}`],
  };
}

export async function publishFlow(tenant: Tenant, definition: unknown, alias?: string): Promise<string> {
  const created = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: alias ?? "flow", alias, type: "integration-flow", definition, publish: true },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.ruleId;
}

export async function trigger(tenant: Tenant, flow: string, input: unknown = {}, headers: Record<string, string> = {}) {
  return call("POST", `/job/start/${flow}`, { key: tenant.solverKey, body: input, headers });
}

export async function getJob(tenant: Tenant, jobId: string) {
  const response = await call("GET", `/job/${jobId}`, { key: tenant.solverKey });
  expect(response.status).toBe(200);
  return response.body;
}
