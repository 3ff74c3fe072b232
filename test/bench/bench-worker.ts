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
bench.all("*", (c) => product.fetch(c.req.raw, c.env, c.executionCtx));

export default { ...product, fetch: bench.fetch };
