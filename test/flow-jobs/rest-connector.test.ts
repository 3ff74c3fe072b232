// An http connector's token, created through the connectors API, reaches the receiving endpoint as
// `Authorization: Bearer …` from a job's REST_API nodes (one call and a fan-out), and appears nowhere
// else: not in the job, its logs, its output or error, its webhooks, any API answer, the runner's
// storage or any D1 row.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { directoryDb, shardDatabases } from "../helpers/db";
import { dispatch, runner, runToEnd } from "../helpers/drive";
import { createWebhook, deliver, deliveries, received, receiver } from "../webhooks/helpers";
import { receivedRequests } from "./helpers";

const TOKEN = `tok-Fanout-${crypto.randomUUID()}`;

/** START → REST_API 'profile' → REST_API 'orders' over three items → END, both naming connector 'crm' with relative urls. */
function connectorFlow(name: string, firstPath = "slow") {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "profile", type: "REST_API", name: "profile", data: { connector: "crm", url: `'${firstPath}/${name}?ms=0'` } },
      { id: "orders", type: "REST_API", name: "orders", data: { connector: "crm", items: "[1, 2, 3]", concurrency: 3, url: `'slow/${name}?ms=0&n=' & orders.item` } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'profile': profile, 'orders': orders }" } },
    ],
    connections: [
      { source: "start", target: "profile" },
      { source: "profile", target: "orders" },
      { source: "orders", target: "end" },
    ],
  };
}

async function runJob(tenant: Tenant, flow: string) {
  const jobId = (await trigger(tenant, flow)).body.jobId as string;
  await dispatch(tenant.accountId);
  await runToEnd(jobId, 10);
  return jobId;
}

/** Every row of every table of the runner's SQLite storage (its checkpoint pieces, logs, control record). */
async function runnerStorage(jobId: string): Promise<string> {
  return runInDurableObject(runner(jobId), (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'").toArray();
    return JSON.stringify(tables.map(({ name }) => [name, state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()]));
  });
}

async function everyD1Row(): Promise<string> {
  const rows: unknown[] = [];
  for (const db of [directoryDb(), ...shardDatabases().map((shard) => shard.db)]) {
    const { results: tables } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%' AND name NOT LIKE 'sqlite%'").all<{ name: string }>();
    for (const { name } of tables) rows.push(name, (await db.prepare(`SELECT * FROM "${name}"`).all()).results);
  }
  return JSON.stringify(rows);
}

describe("an http connector's token in a job", () => {
  it("reaches the endpoint as Authorization: Bearer and appears nowhere in the job, its logs, output, webhooks, API answers or storage", async () => {
    const tenant = await createTenant();
    const answers: string[] = [];
    const record = async (method: string, path: string, body?: unknown) => {
      const response = await call(method, path, { key: tenant.managementKey, body });
      answers.push(`${method} ${path} ${response.status} ${JSON.stringify(response.body)} ${[...response.headers].join()}`);
      return response;
    };
    const created = await record("POST", "/api/connectors", {
      name: "CRM API",
      alias: "crm",
      type: "http",
      config: { auth: "bearer", baseUrl: `${env.RECEIVER_URL}/api` },
      secret: { token: TOKEN },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const hookName = crypto.randomUUID();
    const hook = await createWebhook(tenant, { url: receiver(`ok/${hookName}`), events: ["JOB.COMPLETED", "JOB.ERROR"] });

    const name = crypto.randomUUID();
    await publishFlow(tenant, connectorFlow(name), "crm-orders");
    // The same calls, where the first answers 404: the error path (its message, the logged body).
    await publishFlow(tenant, connectorFlow(crypto.randomUUID(), "notfound"), "crm-missing");
    const completed = await runJob(tenant, "crm-orders");
    const failed = await runJob(tenant, "crm-missing");

    const requests = await receivedRequests(name);
    expect(requests).toHaveLength(4);
    for (const request of requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const completedJob = await getJob(tenant, completed);
    expect(completedJob.status.state).toBe("COMPLETED");
    expect(completedJob.output.orders.responses.map((response: { data: { query: { n: string } } }) => response.data.query.n)).toEqual(["1", "2", "3"]);
    expect((await getJob(tenant, failed)).error).toMatchObject({ node: "profile", message: expect.stringContaining("answered 404") });

    for (const delivery of await deliveries(tenant, hook.id)) await deliver({ deliveryId: delivery.id, series: 1 });
    const webhooks = await received(hookName);
    expect(webhooks).toHaveLength(2);

    for (const jobId of [completed, failed]) {
      await record("GET", `/job/${jobId}`);
      await record("GET", `/api/jobs/${jobId}`);
      await record("GET", `/api/jobs/${jobId}/logs`);
    }
    await record("GET", "/api/jobs");
    await record("GET", "/api/connectors");
    await record("GET", "/api/connectors/crm");
    await record("GET", "/api/rules/crm-orders");
    await record("GET", `/api/webhooks/${hook.id}/deliveries`);
    const logs = answers.filter((answer) => answer.includes("/logs "));
    expect(logs.join()).toContain("answered 200");

    const everything = [...answers, JSON.stringify(webhooks), await runnerStorage(completed), await runnerStorage(failed), await everyD1Row()].join("\n");
    expect(everything).toContain(name);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(4));
  });
});
