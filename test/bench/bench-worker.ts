// The benchmark Worker: the product unchanged, plus two peers measured in the same run — a bare Hono
// route (the ceiling for trigger throughput) and a Workflow doing N step.do calls (the peer for step
// throughput). The product's handlers and its JobRunner objects get an env whose D1 bindings count
// their statements (d1-counters.ts, for the write budget); the /bench routes use the raw env, so
// reading the counts or a job's rows counts nothing. Lives only in the bench config; the product never ships it.
import { DurableObject, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { Hono } from "hono";
import { directory, shardOfAccount } from "../../worker/db/databases";
import { runnerFor } from "../../worker/jobs/dispatcher";
import product, { JobRunner as ProductJobRunner } from "../../worker/index";
import type { Env } from "../../worker/env";
import type { TriggerMessage } from "../../worker/jobs/dispatcher";
import type { DeliveryMessage } from "../../worker/webhooks/fanout";
import { countingEnv, d1Counters, resetD1Counters } from "./d1-counters";

/** The product's runner, its D1 statements counted (Durable Objects get their env from the runtime, not from fetch). */
export class JobRunner extends ProductJobRunner {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, countingEnv(env));
  }
}

/**
 * The floor of a job's cost (BENCH_ONLY=e2e): what creating a fresh SQLite-backed object and storing
 * one value in it costs, with nothing of the product in it.
 */
export class FloorObject extends DurableObject {
  async touch(): Promise<number> {
    this.ctx.storage.kv.put("touched", Date.now());
    return 1;
  }
}

type BenchEnv = Env & { STEPS: Workflow<{ n: number }>; FLOOR: DurableObjectNamespace<FloorObject> };

export class StepsWorkflow extends WorkflowEntrypoint<BenchEnv, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    let sum = 0;
    for (let index = 0; index < event.payload.n; index++) {
      const previous = sum;
      sum = await step.do(`step-${index}`, async () => previous + index);
    }
    return sum;
  }
}

const bench = new Hono<{ Bindings: BenchEnv }>();
bench.get("/bench/bare", (c) => c.json({ ok: true }));
bench.post("/bench/bare", (c) => c.json({ ok: true }, 202));
bench.post("/bench/workflow", async (c) => {
  const { n } = await c.req.json<{ n: number }>();
  const instance = await c.env.STEPS.create({ params: { n } });
  return c.json({ id: instance.id });
});
// With ?wait=N, answers once the instance is complete (or after N seconds): Workflows has no such
// read, so the bench waits for it inside the Worker, looking every 5 ms — the peer's best
// equivalent of GET /job/{id}?wait=, with no HTTP round trip per look.
bench.get("/bench/workflow/:id", async (c) => {
  const instance = await c.env.STEPS.get(c.req.param("id"));
  const deadline = Date.now() + Number(c.req.query("wait") ?? 0) * 1000;
  for (;;) {
    const status = await instance.status();
    if (status.status === "complete" || status.status === "errored" || Date.now() >= deadline) return c.json(status);
    await scheduler.wait(5);
  }
});
// The floor's parts, one at a time: n fresh objects each storing a value, or n D1 reads by primary key.
bench.post("/bench/floor/objects", async (c) => {
  const { n } = await c.req.json<{ n: number }>();
  for (let index = 0; index < n; index++) await c.env.FLOOR.get(c.env.FLOOR.newUniqueId()).touch();
  return c.json({ n });
});
bench.post("/bench/floor/d1", async (c) => {
  const { n } = await c.req.json<{ n: number }>();
  for (let index = 0; index < n; index++) await c.env.JOBS_0.prepare("SELECT id FROM jobs WHERE id = ?").bind(`floor-${index}`).first();
  return c.json({ n });
});
// Seeds job rows for the list benchmark: one recursive CTE per 100,000 rows, inside SQLite, on the
// account's job shard. The flows' rule ids come from the directory (rules live there, not on the shard).
bench.post("/bench/seed-jobs", async (c) => {
  const { spaceId, accountId, from, count } = await c.req.json<{ spaceId: string; accountId: string; from: number; count: number }>();
  const now = Date.now();
  const shard = await shardOfAccount(c.env, accountId);
  if (!shard) return c.json({ error: `no account ${accountId}` }, 404);
  const rules = await directory(c.env)
    .prepare("SELECT alias, id FROM rules WHERE space_id = ? AND alias IN ('hello', 'busy', 'sleepy')")
    .bind(spaceId)
    .all<{ alias: string; id: string }>();
  const ruleId = Object.fromEntries(rules.results.map((rule) => [rule.alias, rule.id]));
  await shard
    .prepare(
      `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_alias, rule_version, correlation_id, used_api_key_id, input, state,
         status_code, status_message, transition_note, created_at, updated_at, steps, execution_ms)
       WITH RECURSIVE n(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1 + ?2 - 1)
       SELECT printf('00BENCH%019d', x), ?3, ?4,
         CASE x % 3 WHEN 0 THEN ?6 WHEN 1 THEN ?7 ELSE ?8 END,
         CASE x % 3 WHEN 0 THEN 'hello' WHEN 1 THEN 'busy' ELSE 'sleepy' END,
         1, 'corr-' || x, 'bench', '{}',
         CASE x % 5 WHEN 0 THEN 'WAITING' WHEN 1 THEN 'ERROR' WHEN 2 THEN 'CANCELED' ELSE 'COMPLETED' END,
         'JOB_SUCCESS', 'bench', 'bench', ?5 - x, ?5 - x, 3, 1 FROM n`,
    )
    .bind(from, count, spaceId, accountId, now, ruleId.hello, ruleId.busy, ruleId.sleepy)
    .run();
  return c.json({ inserted: count });
});
// The D1 statements counted since the last reset, per database binding (add ?log=1 for each statement).
bench.get("/bench/d1-counters", (c) =>
  c.json({ byDatabase: d1Counters.byDatabase, ...(c.req.query("log") ? { log: d1Counters.log } : {}) }),
);
bench.delete("/bench/d1-counters", (c) => {
  resetD1Counters();
  return c.json({ reset: true });
});
// A job's state and its ledger rows, read on its shard without going through the product (or its counts).
bench.get("/bench/jobs/:id", async (c) => {
  const shard = await shardOfAccount(c.env, c.req.query("account") ?? "");
  if (!shard) return c.json({ error: "no such account" }, 404);
  const jobId = c.req.param("id");
  const job = await shard
    .prepare("SELECT state, claimed_at AS claimedAt, ended_at AS endedAt, (SELECT count(*) FROM usage_ledger WHERE job_id = ?1) AS ledgerRows FROM jobs WHERE id = ?1")
    .bind(jobId)
    .first<{ state: string; claimedAt: number | null; endedAt: number | null; ledgerRows: number }>();
  return job ? c.json({ shard: shard.name, ...job }) : c.json({ error: "no such job" }, 404);
});
// The runner's side of a job's timeline (runner started, first slice, final mirror, slot handed over).
bench.get("/bench/jobs/:id/phases", async (c) => c.json((await runnerFor(c.env, c.req.param("id")).snapshot()).phases));
// What a job stores: per table, the bytes of its rows' values (text and blobs by length, numbers as
// the 8 bytes they take at most; row headers and indexes not counted), and its R2 objects apart.
bench.get("/bench/jobs/:id/bytes", async (c) => {
  const shard = await shardOfAccount(c.env, c.req.query("account") ?? "");
  if (!shard) return c.json({ error: "no such account" }, 404);
  const jobId = c.req.param("id");
  const d1: Record<string, { rows: number; bytes: number }> = {};
  for (const [table, key] of [["jobs", "id"], ["job_outputs", "job_id"], ["job_events", "job_id"], ["usage_ledger", "job_id"]]) {
    const columns = await shard.prepare(`SELECT name FROM pragma_table_info('${table}')`).all<{ name: string }>();
    const size = columns.results
      .map(({ name }) => `CASE typeof("${name}") WHEN 'null' THEN 0 WHEN 'integer' THEN 8 WHEN 'real' THEN 8 ELSE length(CAST("${name}" AS BLOB)) END`)
      .join(" + ");
    d1[table] = (await shard.prepare(`SELECT count(*) AS rows, coalesce(sum(${size}), 0) AS bytes FROM ${table} WHERE ${key} = ?`).bind(jobId).first())!;
  }
  const listed = await c.env.PAYLOADS.list({ prefix: `jobs/${jobId}/` });
  const r2 = { objects: listed.objects.length, bytes: listed.objects.reduce((sum, object) => sum + object.size, 0) };
  return c.json({ d1, d1Bytes: Object.values(d1).reduce((sum, table) => sum + table.bytes, 0), r2 });
});
bench.all("*", (c) => product.fetch(c.req.raw, countingEnv(c.env), c.executionCtx));

export default {
  fetch: bench.fetch,
  queue: (batch, env, ctx) => product.queue(batch, countingEnv(env), ctx),
  scheduled: (controller, env, ctx) => product.scheduled(controller, countingEnv(env), ctx),
} satisfies ExportedHandler<BenchEnv, TriggerMessage | DeliveryMessage>;
