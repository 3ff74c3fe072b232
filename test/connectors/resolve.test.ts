// How the runner gets a connector (resolveConnector, EngineServices.connector): by alias in the job's
// space, of the type the node needs, secret decrypted; anything else a FlowFailure naming the alias.
// And through a real job: a REST_API node with an http connector sends its credentials, which stay
// out of the job's output and logs.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resolveConnector } from "../../worker/connectors/resolve";
import { FlowFailure } from "../../worker/flow/failure";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { dispatch, runToEnd } from "../helpers/drive";
import { jobLogs, receivedRequests } from "../flow-jobs/helpers";
import { createConnector, HTTP_TOKEN, httpConnector, PG_PASSWORD, postgresConnector } from "./helpers";

describe("resolveConnector", () => {
  it("answers the space's connector by alias with its secret decrypted", async () => {
    const tenant = await createTenant();
    const created = await createConnector(tenant, postgresConnector("orders-db"));
    expect(await resolveConnector(env, tenant, "orders-db", "postgres")).toEqual({
      id: created.id,
      alias: "orders-db",
      type: "postgres",
      config: created.config,
      secret: { password: PG_PASSWORD },
    });
  });

  it("fails the node with a FlowFailure for an unknown alias, another space's connector, or the wrong type", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    await createConnector(other, postgresConnector("orders-db"));
    const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

    const unknown = await failure(resolveConnector(env, tenant, "orders-db", "postgres"));
    expect(unknown).toBeInstanceOf(FlowFailure);
    expect((unknown as Error).message).toBe("no postgres connector 'orders-db' in this space");
    expect(((await failure(resolveConnector(env, tenant, "crm", "postgres"))) as Error).message).toBe(
      "connector 'crm' is an http connector, not postgres",
    );
  });

  it("does not decrypt a secret copied from another connector's row (each ciphertext is bound to its connector)", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, postgresConnector("first"));
    await createConnector(tenant, postgresConnector("second"));
    await directoryDb()
      .prepare("UPDATE connectors SET secret_ciphertext = (SELECT secret_ciphertext FROM connectors WHERE space_id = ?1 AND alias = 'first') WHERE space_id = ?1 AND alias = 'second'")
      .bind(tenant.spaceId)
      .run();
    const error = await resolveConnector(env, tenant, "second", "postgres").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FlowFailure);
    expect((error as Error).message).toContain("cannot be decrypted");
  });
});

describe("a job using an http connector", () => {
  it("sends the connector's credentials; they are not in the job, its output or its logs", async () => {
    const tenant = await createTenant();
    const name = crypto.randomUUID();
    await createConnector(tenant, httpConnector("crm", { baseUrl: `${env.RECEIVER_URL}/api` }));
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "fetch", type: "REST_API", name: "fetch", data: { connector: "crm", url: `'slow/${name}?ms=0'` } },
          { id: "end", type: "END", name: "end", data: { output: "fetch" } },
        ],
        connections: [
          { source: "start", target: "fetch" },
          { source: "fetch", target: "end" },
        ],
      },
      "sync",
    );
    const jobId = (await trigger(tenant, "sync")).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId, 10)).toBe("COMPLETED");

    const [request] = await receivedRequests(name);
    expect(request.headers.authorization).toBe(`Bearer ${HTTP_TOKEN}`);
    const job = await getJob(tenant, jobId);
    const detail = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
    const logs = await jobLogs(tenant, jobId);
    for (const seen of [job, detail.body, logs]) expect(JSON.stringify(seen)).not.toContain(HTTP_TOKEN);
  });
});
