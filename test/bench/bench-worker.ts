// The benchmark Worker: the product unchanged, plus two peers measured in the same run — a bare Hono
// route (the ceiling for trigger throughput) and a Workflow doing N step.do calls (the peer for step
// throughput). Lives only in the bench config; the product never ships it.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { Hono } from "hono";
import product from "../../worker/index";
import type { Env } from "../../worker/env";

export { JobRunner } from "../../worker/index";

type BenchEnv = Env & { STEPS: Workflow<{ n: number }> };

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
bench.get("/bench/workflow/:id", async (c) => {
  const instance = await c.env.STEPS.get(c.req.param("id"));
  return c.json(await instance.status());
});
// Seeds job rows for the list benchmark: one recursive CTE per 100,000 rows, inside SQLite.
bench.post("/bench/seed-jobs", async (c) => {
  const { spaceId, accountId, from, count } = await c.req.json<{ spaceId: string; accountId: string; from: number; count: number }>();
  const now = Date.now();
  await c.env.DB.prepare(
    `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_version, correlation_id, used_api_key_id, input, state,
       status_code, status_message, transition_note, created_at, updated_at, steps, execution_ms)
     WITH RECURSIVE n(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1 + ?2 - 1)
     SELECT printf('00BENCH%019d', x), ?3, ?4,
       (SELECT id FROM rules WHERE space_id = ?3 AND alias = CASE x % 3 WHEN 0 THEN 'hello' WHEN 1 THEN 'busy' ELSE 'sleepy' END),
       1, 'corr-' || x, 'bench', '{}',
       CASE x % 5 WHEN 0 THEN 'WAITING' WHEN 1 THEN 'ERROR' WHEN 2 THEN 'CANCELED' ELSE 'COMPLETED' END,
       'JOB_SUCCESS', 'bench', 'bench', ?5 - x, ?5 - x, 3, 1 FROM n`,
  )
    .bind(from, count, spaceId, accountId, now)
    .run();
  return c.json({ inserted: count });
});
bench.all("*", (c) => product.fetch(c.req.raw, c.env, c.executionCtx));

export default { ...product, fetch: bench.fetch };
