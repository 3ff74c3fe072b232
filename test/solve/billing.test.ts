// Billing of solves (DESIGN.md §5, §13): charged once each like a job slice, through the ledger and its
// counter trigger, shown as `solveMs` in GET /api/usage, and gated by the quota like /job/start.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chargeStatement } from "../../worker/billing/charge";
import { chargeSolve, solveGate } from "../../worker/billing/solve";
import { JobShard } from "../../worker/db/databases";
import type { Problem } from "../../worker/errors";
import { solveFlow } from "../../worker/solve/flow";
import { apiUrl } from "../flow-jobs/helpers";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { callerOf, target, tinyFlow, usage, verify } from "./helpers";

/** START → REST_API (5 ms at the receiver) → END: a solve that measures more than 0 ms. */
function callingFlow(url: string) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "call", type: "REST_API", name: "call", data: { url: `'${url}?ms=5'` } },
      { id: "end", type: "END", name: "end", data: { output: "call.status" } },
    ],
    connections: [
      { source: "start", target: "call" },
      { source: "call", target: "end" },
    ],
  };
}

describe("billing solves", () => {
  it("after 100 solves, usage is exactly the sum of their measured times, and /api/usage/verify finds no drift", async () => {
    const tenant = await createTenant({ freeSeconds: 3600 });
    const { url } = apiUrl("slow");
    const flow = target(callingFlow(url));

    const times: number[] = [];
    for (let index = 0; index < 100; index++) {
      const solved = await solveFlow(env, callerOf(tenant), flow, {}, { correlationId: `c-${index}` });
      expect(solved.output).toBe(200);
      times.push(solved.executionMs);
    }
    const total = times.reduce((sum, ms) => sum + ms, 0);

    expect(total).toBeGreaterThanOrEqual(500);
    const used = await usage(tenant);
    expect(used).toMatchObject({ usedSeconds: total / 1000, freeUsedSeconds: total / 1000, overageSeconds: 0, unbilledSeconds: 0, solveMs: total });
    expect(used.bySpace).toEqual([expect.objectContaining({ spaceId: tenant.spaceId, solveMs: total, usedSeconds: total / 1000 })]);
    expect(used.daily).toEqual([expect.objectContaining({ solveMs: total })]);
    expect(await verify(tenant)).toMatchObject({ usedMs: total, ledgerMs: total, drift: [], jobMismatches: [] });
  });

  it("charges a request once however often its charge is repeated, split free/unbilled/overage like a slice", async () => {
    const tenant = await createTenant({ freeSeconds: 1 });
    const caller = callerOf(tenant);

    await chargeSolve(env, caller, 700, "req-a");
    await Promise.all([chargeSolve(env, caller, 700, "req-a"), chargeSolve(env, caller, 9999, "req-a")]);
    await chargeSolve(env, caller, 500, "req-b");
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 1.2, freeUsedSeconds: 1, unbilledSeconds: 0.2, overageSeconds: 0, solveMs: 1200 });

    await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: true } });
    await chargeSolve(env, caller, 300, "req-c");
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 1.5, freeUsedSeconds: 1, unbilledSeconds: 0.2, overageSeconds: 0.3, solveMs: 1500 });
    expect(await verify(tenant)).toMatchObject({ usedMs: 1500, ledgerMs: 1500, drift: [] });
  });

  it("keeps solveMs apart from job time: a job's charge moves usedSeconds, not solveMs", async () => {
    const tenant = await createTenant({ freeSeconds: 100 });
    await publishFlow(tenant, tinyFlow, "tiny");
    const shard = new JobShard(tenant.shard, tenant.db);

    await chargeStatement(shard, { jobId: "job-x", accountId: tenant.accountId, spaceId: tenant.spaceId, slice: 1, ms: 400, endedAt: Date.now() }).run();
    await chargeSolve(env, callerOf(tenant), 250, "req-1");

    expect(await usage(tenant)).toMatchObject({ usedSeconds: 0.65, solveMs: 250 });
    expect(await verify(tenant)).toMatchObject({ drift: [] });
  });

  it("refuses a solve with 402 quota-exceeded, as /job/start, once the free seconds are used up and pay-as-you-go is off", async () => {
    const tenant = await createTenant({ freeSeconds: 1 });
    const caller = callerOf(tenant);
    expect((await solveGate(env, caller)).refusal).toBeNull();
    await chargeSolve(env, caller, 1000, "req-used-up");

    const refused = await solveFlow(env, caller, target(tinyFlow), { n: 2 }, { correlationId: "c-refused" }).then(
      () => null,
      (error: Problem) => error,
    );
    const started = await trigger(tenant, await publishFlow(tenant, tinyFlow, "tiny"), { n: 2 });

    expect(refused).toMatchObject({ status: 402, type: "quota-exceeded" });
    expect(started).toMatchObject({ status: 402, body: { type: "quota-exceeded" } });
    // Nothing ran, so nothing more was charged.
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 1, solveMs: 1000 });

    await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: true } });
    expect((await solveFlow(env, caller, target(tinyFlow), { n: 2 }, { correlationId: "c-open" })).output).toEqual({ twice: 4 });
  });
});
