// DATABASE_* nodes in real jobs: a postgres connector created through POST /api/connectors, flows
// published and triggered through the API, runners driven by their alarms (and evicted), against a
// real Postgres (test/support/postgres.ts). Issue 14's acceptance: 20,000 rows scored in pages of 500
// and upserted in batches, exactly once each, also across evictions; a cancel during a statement.
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { ownPostgres, scoreCounts, scoringFlow, seedCustomers, statementSent, testSql, uniqueName, type TestPostgres } from "../helpers/postgres";
import { jobLogs } from "./helpers";

/** PGlite runs a statement in about a millisecond, in one thread: 20,000 upserts take it some 30 s. */
const SLOW = { timeout: 180_000 };

let server: TestPostgres;
/** Left asleep by the cancel test (PGlite ignores cancels). */
let busyAfterCancel: TestPostgres;
let sql: ReturnType<typeof testSql>;
const customers = uniqueName("customers");

beforeAll(async () => {
  [server, busyAfterCancel] = await Promise.all([ownPostgres(), ownPostgres()]);
  sql = testSql(server);
  await seedCustomers(sql, customers, 20_000);
}, 60_000);
afterAll(async () => {
  await sql.end();
});

/** A postgres connector `alias` of the tenant's space pointing at `target`. */
async function createPostgresConnector(tenant: Tenant, target: TestPostgres, alias = "warehouse") {
  const created = await call("POST", "/api/connectors", {
    key: tenant.managementKey,
    body: {
      name: "Test warehouse",
      alias,
      type: "postgres",
      config: { host: target.host, port: target.port, database: target.database, user: target.user, ssl: "disable" },
      secret: { password: target.password },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

async function runJob(tenant: Tenant, flow: string) {
  const started = await trigger(tenant, flow);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await dispatch(tenant.accountId);
  return started.body.jobId as string;
}

describe("DATABASE_* in jobs", () => {
  it("scores 20,000 rows in pages of 500 and upserts them in batches; a second job writes nothing new (issue 14)", SLOW, async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, server);
    const scores = uniqueName("scores");
    await sql.unsafe(`CREATE TABLE ${scores} (customer_id integer PRIMARY KEY, score integer NOT NULL)`);
    await publishFlow(tenant, scoringFlow(customers, scores), "score-customers");

    const first = await runJob(tenant, "score-customers");
    expect(await runToEnd(first)).toBe("COMPLETED");

    const job = await getJob(tenant, first);
    expect(job.output).toEqual({ count: 20_000, visited: 20_000, written: 20_000 });
    expect(await scoreCounts(sql, customers, scores)).toEqual({ rows: 20_000, correct: 20_000 });
    const logs = await jobLogs(tenant, first);
    // One read per page across the job's slices: the page and the connection outlive a slice.
    expect(logs.filter((line) => line.node === "read")).toHaveLength(41);
    expect(JSON.stringify([job, logs])).not.toContain(server.password);

    const second = await runJob(tenant, "score-customers");
    expect(await runToEnd(second)).toBe("COMPLETED");
    expect((await getJob(tenant, second)).output).toEqual({ count: 20_000, visited: 20_000, written: 0 });
    expect(await scoreCounts(sql, customers, scores)).toEqual({ rows: 20_000, correct: 20_000 });
  });

  it("evicted again and again mid-loop, resumes from its checkpoint and still writes each of the 20,000 rows once", SLOW, async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, server);
    const scores = uniqueName("scores");
    await sql.unsafe(`CREATE TABLE ${scores} (customer_id integer PRIMARY KEY, score integer NOT NULL)`);
    await publishFlow(tenant, scoringFlow(customers, scores), "score-customers");

    const jobId = await runJob(tenant, "score-customers");
    let evictionsMidRun = 0;
    for (let slices = 0; (await jobState(jobId)) === "RUNNING"; slices++) {
      if (slices > 200) throw new Error("the job did not finish");
      await runAlarm(jobId);
      // Gone with its isolate: the engine, its page and its connection; only the checkpoint stays.
      await evictDurableObject(runner(jobId));
      if ((await jobState(jobId)) === "RUNNING") evictionsMidRun++;
    }

    const job = await getJob(tenant, jobId);
    expect(evictionsMidRun).toBeGreaterThan(1);
    expect(job.status.state, JSON.stringify(job.error)).toBe("COMPLETED");
    expect(job.output).toEqual({ count: 20_000, visited: 20_000, written: 20_000 });
    expect(await scoreCounts(sql, customers, scores)).toEqual({ rows: 20_000, correct: 20_000 });
    // Each resumed runner read the page it was in once more.
    expect((await jobLogs(tenant, jobId)).filter((line) => line.node === "read").length).toBeGreaterThan(41);
  });

  it("takes '; DROP TABLE …; -- from the job input as a value", async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, server);
    const victims = uniqueName("customers");
    await seedCustomers(sql, victims, 5);
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "find", type: "DATABASE_ROW", name: "find", data: { connector: "warehouse", sql: `SELECT count(*)::int AS n FROM ${victims} WHERE name = $1`, params: ["input.name"] } },
          { id: "end", type: "END", name: "end", data: { output: "find.row" } },
        ],
        connections: [
          { source: "start", target: "find" },
          { source: "find", target: "end" },
        ],
      },
      "find-customer",
    );

    const started = await trigger(tenant, "find-customer", { name: `'; DROP TABLE ${victims}; --` });
    await dispatch(tenant.accountId);
    expect(await runToEnd(started.body.jobId)).toBe("COMPLETED");

    expect((await getJob(tenant, started.body.jobId)).output).toEqual({ n: 0 });
    expect(await sql.unsafe(`SELECT count(*)::int AS n FROM ${victims}`)).toEqual([{ n: 5 }]);
  });

  it("fails the job naming the node and the SQLSTATE", async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, server);
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "read", type: "DATABASE_QUERY", name: "read", data: { connector: "warehouse", sql: "SELECT * FROM x" } },
        ],
        connections: [{ source: "start", target: "read" }],
      },
      "read-x",
    );

    const jobId = await runJob(tenant, "read-x");
    expect(await runToEnd(jobId)).toBe("ERROR");

    const job = await getJob(tenant, jobId);
    expect(job.status.code).toBe("JOB_EXECUTION_ERROR");
    expect(job.error).toEqual({ node: "read", message: `DATABASE_QUERY 'read': 42P01 relation "x" does not exist` });
  });

  it("ends CANCELED within about a second when canceled during SELECT pg_sleep(60)", async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, busyAfterCancel);
    const marker = uniqueName("cancel_me");
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "sleep", type: "DATABASE_QUERY", name: "sleep", data: { connector: "warehouse", sql: `SELECT pg_sleep(60) /* ${marker} */`, timeoutMs: 120_000, retries: 3 } },
        ],
        connections: [{ source: "start", target: "sleep" }],
      },
      "sleepy",
    );
    const jobId = await runJob(tenant, "sleepy");

    // The slice blocks in the statement until something aborts it.
    const slice = runAlarm(jobId);
    await statementSent(marker);
    expect(await jobState(jobId)).toBe("RUNNING");

    const canceledAt = Date.now();
    const response = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(response.status).toBe(200);
    await slice;
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
    expect(Date.now() - canceledAt).toBeLessThan(1500);
    expect((await getJob(tenant, jobId)).status.code).toBe("JOB_USER_CANCELED");
  });

  it("refuses on save a DATABASE_* node with bad data or naming a connector the space does not have", async () => {
    const tenant = await createTenant();
    await createPostgresConnector(tenant, server);
    const saved = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: {
        name: "bad",
        type: "integration-flow",
        publish: true,
        definition: {
          nodes: [
            { id: "start", type: "START", name: "start" },
            { id: "read", type: "DATABASE_QUERY", name: "read", data: { connector: "warehouse", sql: "SELECT 1", batchSize: 0 } },
            { id: "write", type: "DATABASE_EXECUTE", name: "write", data: { connector: "elsewhere", sql: "SELECT $1", params: ["1"], rows: "[[1]]" } },
            { id: "row", type: "DATABASE_ROW", name: "row", data: { connector: "elsewhere", sql: "SELECT $1", params: ["input."] } },
          ],
          connections: [
            { source: "start", target: "read" },
            { source: "read", target: "write" },
            { source: "write", target: "row" },
          ],
        },
      },
    });

    expect(saved.status).toBe(422);
    const paths = (saved.body.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "definition.nodes[read].data.batchSize",
        "definition.nodes[write].data",
        "definition.nodes[row].data.params[0]",
        "definition.nodes[row].data.connector",
      ]),
    );
  });
});
