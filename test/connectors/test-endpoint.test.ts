// POST /api/connectors/{idOrAlias}/test: postgres connects and runs SELECT 1, http sends a GET to its
// baseUrl with the auth header; { ok, latencyMs, message }, and the message never carries the secret.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { receivedRequests } from "../flow-jobs/helpers";
import { CLOSED_PORT, createConnector, HTTP_TOKEN, httpConnector, PG_PASSWORD, postgresConnector } from "./helpers";

const test = async (key: string, ref: string) => {
  const response = await call("POST", `/api/connectors/${ref}/test`, { key });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { ok: boolean; latencyMs: number; message: string };
};

describe("connector test endpoint", () => {
  it("postgres on a closed port: ok false, a message naming host and port, never the password", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, postgresConnector("orders-db"));
    const result = await test(tenant.managementKey, "orders-db");
    // The DATABASE_* nodes' client words it (worker/connectors/postgres.ts).
    expect(result).toEqual({ ok: false, latencyMs: expect.any(Number), message: expect.stringContaining(`ECONNREFUSED could not connect to 127.0.0.1:${CLOSED_PORT}`) });
    expect(JSON.stringify(result)).not.toContain(PG_PASSWORD);
  });

  it("http on a closed port: ok false, never the token, even when the URL carries it", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm", { baseUrl: `http://127.0.0.1:${CLOSED_PORT}/v1?token=${HTTP_TOKEN}` }));
    const result = await test(tenant.managementKey, "crm");
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`127.0.0.1:${CLOSED_PORT}`);
    expect(JSON.stringify(result)).not.toContain(HTTP_TOKEN);
  });

  it("http: sends the auth header to baseUrl and is ok on a 2xx; a 4xx is not ok, and the secret is redacted from the message", async () => {
    const tenant = await createTenant();
    const name = crypto.randomUUID();
    await createConnector(tenant, httpConnector("crm", { baseUrl: `${env.RECEIVER_URL}/api/slow/${name}?ms=0` }));
    const ok = await test(tenant.managementKey, "crm");
    expect(ok).toEqual({ ok: true, latencyMs: expect.any(Number), message: `GET ${env.RECEIVER_URL}/api/slow/${name}?ms=0 answered 200 OK.` });
    const [request] = await receivedRequests(name);
    expect(request.headers.authorization).toBe(`Bearer ${HTTP_TOKEN}`);

    await createConnector(tenant, {
      ...httpConnector("keyed", { auth: "header", headerName: "X-Api-Key", baseUrl: `${env.RECEIVER_URL}/api/notfound/${name}?key=${HTTP_TOKEN}` }),
      secret: { value: HTTP_TOKEN },
    });
    const refused = await test(tenant.managementKey, "keyed");
    expect(refused).toEqual({ ok: false, latencyMs: expect.any(Number), message: `GET ${env.RECEIVER_URL}/api/notfound/${name}?key=[redacted] answered 404 Not Found.` });
  });

  it("a secret encrypted under another key: ok false, saying to save it again (and a new secret works)", async () => {
    const tenant = await createTenant();
    const created = await createConnector(tenant, httpConnector("crm"));
    // As after WEBHOOK_SECRET_KEY was replaced: the stored ciphertext no longer decrypts.
    await directoryDb().prepare("UPDATE connectors SET secret_ciphertext = ? WHERE id = ?").bind("AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA", created.id).run();
    const result = await test(tenant.managementKey, "crm");
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining("save the secret again") });
    const saved = await call("PATCH", "/api/connectors/crm", { key: tenant.managementKey, body: { secret: { token: HTTP_TOKEN } } });
    expect(saved.status).toBe(200);
    expect((await test(tenant.managementKey, "crm")).message).toContain("127.0.0.1");
  });

  it("http without a baseUrl: ok false, saying what to set", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm", { baseUrl: undefined }));
    const result = await test(tenant.managementKey, "crm");
    expect(result.ok).toBe(false);
    expect(result.message).toContain("config.baseUrl");
  });
});
