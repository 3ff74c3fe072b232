/// <reference types="node" />
// The crash suite (DESIGN.md §10): 50 jobs mixing long FOREACH loops, WAITs and REST calls run on a
// real `wrangler dev`; the whole process tree is killed with SIGKILL twice mid-run and started again
// on the same local state. Every job must still reach its final state with the output an
// uninterrupted run gives, the usage ledger must match the jobs exactly, and each job's completion
// webhook must carry one delivery id. The cron trigger is played by calling /__scheduled, as the
// platform would every minute. One of the jobs scores 20,000 rows of a real Postgres (PGlite, in a
// process of its own that the kills leave alone) in pages of 500 and upserts them in batches: after
// the kills the table must hold each row exactly once, with the right score (issue 14).
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ES module shared with npm start
import { demoFlows, SAMPLE_ORDERS_OUTPUT, sampleOrders } from "../../scripts/demo-flows.mjs";
// @ts-expect-error -- plain ES module shared with the benchmarks
import { ADMIN_TOKEN, localServer } from "../support/local-server.mjs";
import { countingFlow, sleepyFlow } from "../support/flows.mjs";
import postgres from "postgres";
import type { ChildProcess } from "node:child_process";
import { startPglite } from "../support/postgres";
import { scoreCounts, scoringFlow, seedCustomers } from "../support/scoring.mjs";

type Server_ = Awaited<ReturnType<typeof localServer>>;
let server: Server_;
let receiver: Server;
const deliveries = new Map<string, Set<string>>();
let database: ChildProcess;
let databasePort: number;
let sql: postgres.Sql;
const ROWS = 20_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked by the assertions
const api = (method: string, path: string, key: string, body?: unknown): Promise<any> => server.api(method, path, key, body);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const jobId = JSON.parse(body).data.jobId as string;
      deliveries.set(jobId, (deliveries.get(jobId) ?? new Set()).add(String(request.headers["webhook-id"])));
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  ({ child: database, port: databasePort } = await startPglite(undefined));
  // PGlite is one session shared by its clients: this connection stays idle while the job runs.
  sql = postgres({ host: "127.0.0.1", port: databasePort, database: "postgres", username: "postgres", password: "crash", max: 1, onnotice: () => {} });
  await seedCustomers(sql, "customers", ROWS);
  await sql.unsafe("CREATE TABLE scores (customer_id integer PRIMARY KEY, score integer NOT NULL)");
  server = await localServer({ vars: { WATCHDOG_GRACE_MS: "3000", ENVIRONMENT: "development" } });
}, 240_000);

afterAll(async () => {
  server?.stop();
  await new Promise((done) => receiver?.close(done));
  await sql?.end();
  database?.kill();
});

describe("crash survival", () => {
  it("finishes every job with the right output, exact usage and one webhook id per job after two kill -9", async () => {
    const account = await api("POST", "/api/admin/accounts", ADMIN_TOKEN, { name: "crash", parallelLimit: 20, freeSeconds: 100_000 });
    const space = await api("POST", `/api/admin/accounts/${account.id}/spaces`, ADMIN_TOKEN, { name: "crash" });
    const solver = (await api("POST", `/api/admin/spaces/${space.id}/keys`, ADMIN_TOKEN, { kind: "solver", name: "ci" })).key;
    const management = (await api("POST", `/api/admin/spaces/${space.id}/keys`, ADMIN_TOKEN, { kind: "management", name: "ci" })).key;
    for (const rule of demoFlows(server.base).filter((flow: { alias: string }) => ["discounts", "orders"].includes(flow.alias))) {
      await api("POST", "/api/rules", management, { ...rule, publish: true });
    }
    await api("POST", "/api/rules", management, { name: "count", alias: "count", type: "integration-flow", definition: countingFlow, publish: true });
    await api("POST", "/api/rules", management, { name: "sleepy", alias: "sleepy", type: "integration-flow", definition: sleepyFlow, publish: true });
    await api("POST", "/api/connectors", management, {
      name: "crash warehouse",
      alias: "warehouse",
      type: "postgres",
      config: { host: "127.0.0.1", port: databasePort, database: "postgres", user: "postgres", ssl: "disable" },
      secret: { password: "crash" },
    });
    await api("POST", "/api/rules", management, { name: "score", alias: "score", type: "integration-flow", definition: scoringFlow("customers", "scores"), publish: true });
    const address = receiver.address() as { port: number };
    const hook = await api("POST", "/api/webhooks", management, { url: `http://127.0.0.1:${address.port}/hook`, events: ["JOB.COMPLETED"] });

    const expected = new Map<string, unknown>();
    // First, so that it holds a slot from the start and both kills land in its loop.
    const scoring = (await api("POST", "/job/start/score", solver, {})).jobId as string;
    for (let index = 0; index < 50; index++) {
      let flow: string, input: unknown, output: unknown;
      if (index % 3 === 0) {
        const n = 40_000 + index * 2000;
        [flow, input, output] = ["count", { n }, { count: n, sum: (n * (n - 1)) / 2 }];
      } else if (index % 3 === 1) {
        // Long enough that both kills land while these still sleep, even where a restart of
        // wrangler dev takes ten seconds or more (10 s sleeps were all over by the second kill once).
        const seconds = 30 + (index % 5);
        [flow, input, output] = ["sleepy", { seconds }, { slept: seconds }];
      } else {
        [flow, input, output] = ["orders", sampleOrders(server.base), SAMPLE_ORDERS_OUTPUT];
      }
      const job = await api("POST", `/job/start/${flow}`, solver, input);
      expected.set(job.jobId, output);
    }

    for (const pause of [1500, 2500]) {
      await sleep(pause);
      // The kill must land mid-run: some jobs are still waiting or running.
      const open = await api("GET", "/api/jobs?state=WAITING,RUNNING,CANCELING&limit=200", management);
      expect(open.items.length).toBeGreaterThan(0);
      expect(open.items.map((job: { jobId: string }) => job.jobId)).toContain(scoring);
      await server.kill();
      await server.start();
    }

    const deadline = Date.now() + 120_000;
    for (;;) {
      await server.cron();
      const open = await api("GET", "/api/jobs?state=WAITING,RUNNING,CANCELING&limit=200", management);
      const missingHooks = [...expected.keys(), scoring].filter((jobId) => !deliveries.has(jobId));
      if (open.items.length === 0 && missingHooks.length === 0) break;
      if (Date.now() > deadline) {
        const sent = await api("GET", `/api/webhooks/${hook.id}/deliveries?limit=200`, management);
        const missing = sent.items.filter((delivery: { jobId: string }) => missingHooks.includes(delivery.jobId));
        throw new Error(
          `still open: ${open.items.length} jobs, ${missingHooks.length} webhooks missing; ` +
            `their deliveries: ${JSON.stringify(missing.map((d: { status: string; attempts: unknown[]; nextAttemptAt: string }) => [d.status, d.attempts.length, d.nextAttemptAt]))} ` +
            `of ${sent.items.length} deliveries`,
        );
      }
      await sleep(2000);
    }

    for (const [jobId, output] of expected) {
      const job = await api("GET", `/job/${jobId}`, solver);
      expect({ jobId, state: job.status.state, output: job.output }).toEqual({ jobId, state: "COMPLETED", output });
    }
    // Pages read again after a restart upsert rows already there: ON CONFLICT DO NOTHING keeps one each.
    const scored = await api("GET", `/job/${scoring}`, solver);
    expect(scored.status.state, JSON.stringify(scored.error)).toBe("COMPLETED");
    expect(scored.output).toMatchObject({ count: ROWS, visited: ROWS });
    expect(await scoreCounts(sql, "customers", "scores")).toEqual({ rows: ROWS, correct: ROWS });
    // 41 reads (40 pages and the empty one) uninterrupted; a runner started again mid-loop reads its page once more.
    const logs = await api("GET", `/api/jobs/${scoring}/logs?limit=1000`, management);
    expect(logs.items.filter((line: { node: string | null }) => line.node === "read").length).toBeGreaterThan(41);
    const verify = await api("GET", "/api/usage/verify", management);
    expect(verify.drift).toEqual([]);
    expect(verify.jobMismatches).toEqual([]);
    const jobs = await api("GET", "/api/jobs?limit=200", management);
    const executed = jobs.items.reduce((sum: number, job: { usage: { executionMs: number } }) => sum + job.usage.executionMs, 0);
    expect(verify.usedMs).toBe(executed);
    for (const jobId of [...expected.keys(), scoring]) expect(deliveries.get(jobId)!.size).toBe(1);
  });
});
