/// <reference types="node" />
// The crash suite (DESIGN.md §10): 50 jobs mixing long FOREACH loops, WAITs and REST calls run on a
// real `wrangler dev`; the whole process tree is killed with SIGKILL twice mid-run and started again
// on the same local state. Every job must still reach its final state with the output an
// uninterrupted run gives, the usage ledger must match the jobs exactly, and each job's completion
// webhook must carry one delivery id. The cron trigger is played by calling /__scheduled, as the
// platform would every minute.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ES module shared with npm start
import { demoFlows, SAMPLE_ORDERS_OUTPUT, sampleOrders } from "../../scripts/demo-flows.mjs";
// @ts-expect-error -- plain ES module shared with the benchmarks
import { ADMIN_TOKEN, localServer } from "../support/local-server.mjs";
import { countingFlow, sleepyFlow } from "../support/flows.mjs";

type Server_ = Awaited<ReturnType<typeof localServer>>;
let server: Server_;
let receiver: Server;
const deliveries = new Map<string, Set<string>>();

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
  server = await localServer({ vars: { WATCHDOG_GRACE_MS: "3000", ENVIRONMENT: "development" } });
}, 240_000);

afterAll(async () => {
  server?.stop();
  await new Promise((done) => receiver?.close(done));
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
    const address = receiver.address() as { port: number };
    const hook = await api("POST", "/api/webhooks", management, { url: `http://127.0.0.1:${address.port}/hook`, events: ["JOB.COMPLETED"] });

    const expected = new Map<string, unknown>();
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
      await server.kill();
      await server.start();
    }

    const deadline = Date.now() + 120_000;
    for (;;) {
      await server.cron();
      const open = await api("GET", "/api/jobs?state=WAITING,RUNNING,CANCELING&limit=200", management);
      const missingHooks = [...expected.keys()].filter((jobId) => !deliveries.has(jobId));
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
    const verify = await api("GET", "/api/usage/verify", management);
    expect(verify.drift).toEqual([]);
    expect(verify.jobMismatches).toEqual([]);
    const jobs = await api("GET", "/api/jobs?limit=200", management);
    const executed = jobs.items.reduce((sum: number, job: { usage: { executionMs: number } }) => sum + job.usage.executionMs, 0);
    expect(verify.usedMs).toBe(executed);
    for (const jobId of expected.keys()) expect(deliveries.get(jobId)!.size).toBe(1);
  });
});
