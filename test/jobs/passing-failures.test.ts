// Passing platform failures (DESIGN.md §12): D1 briefly unavailable while a node loads a decision
// table, or while the runner mirrors a slice, is retried from the checkpoint with backoff and never
// fails the job; the output is the same as a run without the failures.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../worker/env";
import type { JobRunner } from "../../worker/jobs/runner";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner } from "../helpers/drive";
import { faultyD1, injectD1Faults, type D1Faults } from "../helpers/faults";

afterEach(() => {
  vi.useRealTimers();
});

const discountFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "each", data: { items: "input.orders", collect: "{ 'id': each.currentItem.id, 'discount': rate.discount }" } },
    { id: "rate", type: "BUSINESS_RULE", name: "rate", data: { rule: "discounts", version: "latest", input: "each.currentItem" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'orders': each.results }" } },
  ],
  connections: [
    { source: "start", target: "each" },
    { source: "each", target: "rate", port: "loop" },
    { source: "each", target: "end", port: "done" },
  ],
};

const discounts = {
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "c1", expression: "segment" }],
  outputs: [{ id: "o1", path: "discount" }],
  rows: [
    { conditions: { c1: { op: "=", value: "gold" } }, outputs: { o1: { value: 0.2 } } },
    { conditions: { c1: { op: "ANY" } }, outputs: { o1: { value: 0 } } },
  ],
};

const input = { orders: [{ id: "a", segment: "gold" }, { id: "b", segment: "tin" }, { id: "c", segment: "gold" }] };

async function tenantWithFlow(): Promise<Tenant> {
  const tenant = await createTenant();
  const table = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: "discounts", alias: "discounts", type: "decision-table", definition: discounts, publish: true },
  });
  expect(table.status).toBe(201);
  await publishFlow(tenant, discountFlow, "discount");
  return tenant;
}

type Injector = (stub: DurableObjectStub<JobRunner>, faults: D1Faults) => Promise<void>;

/** Gives the runner of `stub` a directory binding with `faults`: decision tables are read from the directory. */
async function injectDirectoryFaults(stub: DurableObjectStub<JobRunner>, faults: D1Faults) {
  await runInDurableObject(stub, (instance: JobRunner) => {
    const env = (instance as unknown as { env: Env }).env;
    (instance as unknown as { env: Env }).env = Object.create(env, { DIRECTORY: { value: faultyD1(env.DIRECTORY, faults) } });
  });
}

/** Runs the job to its end, moving the faked clock past each backoff; returns the job. */
async function runWith(tenant: Tenant, faults: D1Faults | null, inject: Injector = injectD1Faults) {
  const jobId = (await trigger(tenant, "discount", input)).body.jobId as string;
  await dispatch(tenant.accountId);
  if (faults) await inject(runner(jobId), faults);
  vi.useFakeTimers({ toFake: ["Date"] });
  for (let alarm = 0; alarm < 40 && !["COMPLETED", "ERROR", "CANCELED"].includes(await jobState(jobId)); alarm++) {
    vi.setSystemTime(Date.now() + 61_000);
    await runAlarm(jobId);
  }
  vi.useRealTimers();
  return getJob(tenant, jobId);
}

describe("passing D1 failures", () => {
  it("retries a decision-table load that D1 failed, from the checkpoint, and completes with the same output", async () => {
    const tenant = await tenantWithFlow();
    const clean = await runWith(tenant, null);
    expect(clean.status.state).toBe("COMPLETED");
    const faults: D1Faults = { statements: { match: /rule_versions|"rules"/, times: 3 }, injected: 0 };
    const faulty = await runWith(tenant, faults, injectDirectoryFaults);
    expect(faults.injected).toBe(3);
    expect(faulty.status.state).toBe("COMPLETED");
    expect(faulty.output).toEqual(clean.output);
    expect(faulty.output.orders).toEqual([
      { id: "a", discount: 0.2 },
      { id: "b", discount: 0 },
      { id: "c", discount: 0.2 },
    ]);
  });

  it("retries a failed mirror to D1 and completes with the same output, charged exactly once", async () => {
    const tenant = await tenantWithFlow();
    const clean = await runWith(tenant, null);
    const faults: D1Faults = { batches: { times: 4 }, injected: 0 };
    const faulty = await runWith(tenant, faults);
    expect(faults.injected).toBe(4);
    expect(faulty.status.state).toBe("COMPLETED");
    expect(faulty.output).toEqual(clean.output);
    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });
  });
});
