// progress.loop of the Job object: where the outermost loop is — FOREACH over items with its length, a
// while FOREACH and a DATABASE_QUERY without one — mirrored by the runner with `steps` and answered by
// GET /job/{id}, the console's list, its job and its live stream. Each slice is mirrored here
// (deployed, every 15 s), so the position can be watched slice by slice.
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { cpuBoundFlow, cpuBoundInput } from "../helpers/flows";
import { ownPostgres, testSql, uniqueName, type TestPostgres } from "../helpers/postgres";

/** About a millisecond of JSONata per evaluation (cpuBoundInput's 5,000 numbers): a slice runs a few hundred iterations. */
const HEAVY = "$sum(input.numbers.($ * 2))";

/** START → FOREACH `each` over input.items → ASSIGN `work` (the body) → END. */
function foreachFlow(body: string) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "each", type: "FOREACH", name: "each", data: { items: "input.items" } },
      { id: "work", type: "ASSIGN", name: "work", data: { vars: { total: body } } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'n': each.length }" } },
    ],
    connections: [
      { source: "start", target: "each" },
      { source: "each", target: "work", port: "loop" },
      { source: "each", target: "end", port: "done" },
    ],
  };
}

/** FOREACH `outer` over input.batches, its body a FOREACH `inner` over input.items with a heavy body. */
const nestedFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "outer", type: "FOREACH", name: "outer", data: { items: "input.batches" } },
    { id: "inner", type: "FOREACH", name: "inner", data: { items: "input.items" } },
    { id: "work", type: "ASSIGN", name: "work", data: { vars: { total: HEAVY } } },
    { id: "end", type: "END", name: "end", data: { output: "{}" } },
  ],
  connections: [
    { source: "start", target: "outer" },
    { source: "outer", target: "inner", port: "loop" },
    { source: "inner", target: "work", port: "loop" },
    { source: "outer", target: "end", port: "done" },
  ],
};

const items = Array.from({ length: 5_000 }, (_, index) => index);

/** Triggers `flow` with every slice mirrored to D1. */
async function startMirroringEverySlice(tenant: Tenant, flow: string, input: unknown): Promise<string> {
  const jobId = (await trigger(tenant, flow, input)).body.jobId as string;
  await runInDurableObject(runner(jobId), (instance: JobRunner) => {
    instance.mirrorIntervalMs = 0;
  });
  await dispatch(tenant.accountId);
  return jobId;
}

/** The first `job` event of the job's live stream; the stream is closed after it. */
async function liveJob(tenant: Tenant, jobId: string) {
  const response = await exports.default.fetch(
    new Request(`https://flowjobs.test/api/jobs/${jobId}/live`, { headers: { authorization: `Bearer ${tenant.managementKey}` } }),
  );
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the live stream ended before a job event: ${text}`);
    text += value;
    // Complete events only: the last piece may still be arriving.
    const block = text.split("\n\n").slice(0, -1).find((candidate) => candidate.startsWith("event: job\n"));
    if (block) {
      await reader.cancel();
      return JSON.parse(block.split("\n").find((line) => line.startsWith("data: "))!.slice("data: ".length));
    }
  }
}

/** progress.loop as every surface answers it, checked to be the same everywhere. */
async function loopEverywhere(tenant: Tenant, jobId: string) {
  const job = await getJob(tenant, jobId);
  const detail = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
  const list = await call("GET", "/api/jobs", { key: tenant.managementKey });
  const listed = list.body.items.find((item: { jobId: string }) => item.jobId === jobId);
  const live = await liveJob(tenant, jobId);
  expect(detail.body.progress.loop).toEqual(job.progress.loop);
  expect(listed.progress.loop).toEqual(job.progress.loop);
  expect(live.progress.loop).toEqual(job.progress.loop);
  return job.progress.loop as { node: string; index: number; length: number | null } | null;
}

describe("progress.loop of a FOREACH", () => {
  it("over 5,000 items: { node, index, length: 5000 } mid-run on every surface, the index growing slice by slice; kept where a cancel stopped it", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, foreachFlow(HEAVY), "each");
    const jobId = await startMirroringEverySlice(tenant, "each", { ...cpuBoundInput, items });

    await runAlarm(jobId);
    const first = await loopEverywhere(tenant, jobId);
    expect(first).toEqual({ node: "each", index: expect.any(Number), length: 5_000 });
    await runAlarm(jobId);
    const second = await loopEverywhere(tenant, jobId);
    expect(second).toEqual({ node: "each", index: expect.any(Number), length: 5_000 });
    expect(second!.index).toBeGreaterThan(first!.index);
    expect(second!.index).toBeLessThan(5_000);

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
    const stopped = (await getJob(tenant, jobId)).progress.loop;
    expect(stopped).toEqual({ node: "each", index: expect.any(Number), length: 5_000 });
    expect(stopped.index).toBeGreaterThanOrEqual(second!.index);
  });

  it("is null before the loop and once the job completed; the OpenAPI Job schema describes it", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, foreachFlow("each.index"), "quick");
    const jobId = (await trigger(tenant, "quick", { items })).body.jobId as string;
    expect((await getJob(tenant, jobId)).progress).toEqual({ steps: 0, currentNode: null, loop: null });
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    const job = await getJob(tenant, jobId);
    expect(job.output).toEqual({ n: 5_000 });
    expect(await loopEverywhere(tenant, jobId)).toBeNull();

    const document = (await call("GET", "/api/openapi.json")).body;
    const progress = document.components.schemas.Job.properties.progress;
    expect(progress.required).toContain("loop");
    expect(JSON.stringify(progress.properties.loop)).toContain("#/components/schemas/LoopProgress");
    expect(document.components.schemas.LoopProgress.required).toEqual(["node", "index", "length"]);
  });

  it("nested in another, reports the outermost loop", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, nestedFlow, "nested");
    const jobId = await startMirroringEverySlice(tenant, "nested", { ...cpuBoundInput, batches: ["a", "b", "c"], items });
    await runAlarm(jobId);
    expect(await loopEverywhere(tenant, jobId)).toEqual({ node: "outer", index: 0, length: 3 });
    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
  });

  it("of a while loop has length null, its index growing", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, cpuBoundFlow, "busy");
    const jobId = await startMirroringEverySlice(tenant, "busy", cpuBoundInput);
    await runAlarm(jobId);
    const first = await loopEverywhere(tenant, jobId);
    expect(first).toEqual({ node: "loop", index: expect.any(Number), length: null });
    await runAlarm(jobId);
    const second = await loopEverywhere(tenant, jobId);
    expect(second).toEqual({ node: "loop", index: expect.any(Number), length: null });
    expect(second!.index).toBeGreaterThan(first!.index);
    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
  });
});

describe("progress.loop of a DATABASE_QUERY loop", () => {
  let server: TestPostgres;
  let sql: ReturnType<typeof testSql>;
  const table = uniqueName("rows");

  beforeAll(async () => {
    server = await ownPostgres();
    sql = testSql(server);
    await sql.unsafe(`CREATE TABLE ${table} AS SELECT i AS id FROM generate_series(1, 3000) AS i`);
  }, 60_000);
  afterAll(async () => {
    await sql.end();
  });

  it("reports the row it is on (length null: the row count is not known before the last page), growing slice by slice", async () => {
    const tenant = await createTenant();
    const created = await call("POST", "/api/connectors", {
      key: tenant.managementKey,
      body: {
        name: "Test warehouse",
        alias: "warehouse",
        type: "postgres",
        config: { host: server.host, port: server.port, database: server.database, user: server.user, ssl: "disable" },
        secret: { password: server.password },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "read", type: "DATABASE_QUERY", name: "read", data: { connector: "warehouse", sql: `SELECT id FROM ${table} ORDER BY id`, batchSize: 500 } },
          { id: "work", type: "ASSIGN", name: "work", data: { vars: { total: HEAVY } } },
          { id: "end", type: "END", name: "end", data: { output: "{ 'count': read.count }" } },
        ],
        connections: [
          { source: "start", target: "read" },
          { source: "read", target: "work", port: "loop" },
          { source: "read", target: "end", port: "done" },
        ],
      },
      "rows",
    );
    const jobId = await startMirroringEverySlice(tenant, "rows", cpuBoundInput);
    await runAlarm(jobId);
    const first = await loopEverywhere(tenant, jobId);
    expect(first).toEqual({ node: "read", index: expect.any(Number), length: null });
    await runAlarm(jobId);
    const second = await loopEverywhere(tenant, jobId);
    expect(second).toEqual({ node: "read", index: expect.any(Number), length: null });
    expect(second!.index).toBeGreaterThan(first!.index);
    expect(second!.index).toBeLessThan(3000);
    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId)).toBe("CANCELED");
  });
});
