// Postgres connectors through a Hyperdrive binding (README, "Connectors"): the connector names the
// binding and holds no secret; only a binding the deployment has and grants to the account
// (HYPERDRIVE_GRANTS) is taken, on save and again when a job connects. The tests' Miniflare binds
// PG_TEST (granted to every account) and PG_PRIVATE (granted to none) to the test Postgres, the way
// `wrangler dev` runs Hyperdrive locally: straight to the database.
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { dispatch, runToEnd } from "../helpers/drive";
import { jobLogs } from "../flow-jobs/helpers";
import { createConnector, postgresConnector } from "./helpers";

const throughHyperdrive = (alias: string, binding: string) => ({ name: "Warehouse via Hyperdrive", alias, type: "postgres", config: { hyperdrive: binding } });

/** START → DATABASE_ROW on `connector` → END with the row. */
const rowFlow = (connector: string) => ({
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "ask", type: "DATABASE_ROW", name: "ask", data: { connector, sql: "SELECT $1::int + 1 AS n, current_database() AS db", params: ["input.n"] } },
    { id: "end", type: "END", name: "end", data: { output: "ask.row" } },
  ],
  connections: [
    { source: "start", target: "ask" },
    { source: "ask", target: "end" },
  ],
});

async function runFlow(tenant: Tenant, alias: string, input: unknown) {
  const started = await trigger(tenant, alias, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await dispatch(tenant.accountId);
  await runToEnd(started.body.jobId);
  return getJob(tenant, started.body.jobId);
}

const refused = async (tenant: Tenant, body: unknown) => {
  const response = await call("POST", "/api/connectors", { key: tenant.managementKey, body });
  expect(response.status, JSON.stringify(response.body)).toBe(422);
  return response.body.errors as { path: string; message: string }[];
};

describe("postgres connectors through Hyperdrive", () => {
  it("are created without a secret, test through the binding, and serve a job's DATABASE_ROW", async () => {
    const tenant = await createTenant();
    const created = await createConnector(tenant, throughHyperdrive("warehouse", "PG_TEST"));
    expect(created).toMatchObject({ type: "postgres", config: { hyperdrive: "PG_TEST" }, secretSet: false });

    const tested = await call("POST", "/api/connectors/warehouse/test", { key: tenant.managementKey });
    expect(tested.body).toMatchObject({ ok: true, message: "Connected to Hyperdrive binding 'PG_TEST'; SELECT 1 succeeded." });

    await publishFlow(tenant, rowFlow("warehouse"), "ask");
    const job = await runFlow(tenant, "ask", { n: 41 });
    expect(job.status.state, JSON.stringify(job.error)).toBe("COMPLETED");
    expect(job.output).toEqual({ n: 42, db: inject("postgres").database });
    // The binding's credentials are the platform's: nowhere in what the space sees.
    const seen = JSON.stringify([created, tested.body, job, await jobLogs(tenant, job.jobId)]);
    expect(seen).not.toContain(inject("postgres").password);
  });

  it("refuses on save a binding the deployment lacks or does not grant the account, and a config mixing both ways", async () => {
    const tenant = await createTenant();
    expect(await refused(tenant, throughHyperdrive("private", "PG_PRIVATE"))).toEqual([
      { path: "json.config.hyperdrive", message: "the Hyperdrive binding 'PG_PRIVATE' is not granted to this account (HYPERDRIVE_GRANTS)" },
    ]);
    expect(await refused(tenant, throughHyperdrive("missing", "PG_MISSING"))).toEqual([
      { path: "json.config.hyperdrive", message: "this deployment has no Hyperdrive binding 'PG_MISSING'" },
    ]);
    // Only PG_… names: a connector cannot name the Worker's other bindings.
    expect((await refused(tenant, throughHyperdrive("sneaky", "DIRECTORY")))[0].path).toBe("json.config.hyperdrive");
    const mixed = await refused(tenant, { ...throughHyperdrive("mixed", "PG_TEST"), config: { hyperdrive: "PG_TEST", host: "db.internal" }, secret: { password: "x" } });
    expect(mixed).toEqual([
      { path: "json.config.host", message: "is set by the Hyperdrive binding; leave it out" },
      { path: "json.secret.password", message: "is held by the Hyperdrive binding; leave the secret out" },
    ]);
    const { secret: _secret, ...withoutSecret } = postgresConnector("direct");
    expect(await refused(tenant, withoutSecret)).toEqual([{ path: "json.secret.password", message: "is required to connect to a server directly" }]);
    const list = await call("GET", "/api/connectors", { key: tenant.managementKey });
    expect(list.body.items).toEqual([]);
  });

  it("switches a connector between a server and Hyperdrive: to Hyperdrive drops the password, back needs a new one", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, postgresConnector("warehouse"));
    const toHyperdrive = await call("PATCH", "/api/connectors/warehouse", { key: tenant.managementKey, body: { config: { hyperdrive: "PG_TEST" } } });
    expect(toHyperdrive.status, JSON.stringify(toHyperdrive.body)).toBe(200);
    expect(toHyperdrive.body).toMatchObject({ config: { hyperdrive: "PG_TEST" }, secretSet: false });

    const back = await call("PATCH", "/api/connectors/warehouse", { key: tenant.managementKey, body: { config: postgresConnector().config } });
    expect(back.status).toBe(422);
    expect(back.body.errors).toEqual([{ path: "json.secret.password", message: "is required to connect to a server directly" }]);
    const withPassword = await call("PATCH", "/api/connectors/warehouse", { key: tenant.managementKey, body: { config: postgresConnector().config, secret: { password: "new" } } });
    expect(withPassword.body).toMatchObject({ config: { host: "127.0.0.1" }, secretSet: true });
  });

  it("fails the job, naming the connector, when the binding is no longer granted to the account", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, throughHyperdrive("warehouse", "PG_TEST"));
    await publishFlow(tenant, rowFlow("warehouse"), "ask");
    // As if HYPERDRIVE_GRANTS had dropped the account since the connector was saved.
    await directoryDb()
      .prepare(`UPDATE connectors SET config = '{"hyperdrive":"PG_PRIVATE"}' WHERE space_id = ? AND alias = 'warehouse'`)
      .bind(tenant.spaceId)
      .run();
    const job = await runFlow(tenant, "ask", { n: 1 });
    expect(job.status.state).toBe("ERROR");
    expect(JSON.stringify(job.error)).toContain("connector 'warehouse' cannot connect: the Hyperdrive binding 'PG_PRIVATE' is not granted to this account");
  });
});
