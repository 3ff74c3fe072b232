// Production's 2 MB per stored value (DESIGN.md §12), enforced by the runner's own storage layer:
// inputs of any characters and state that grows far past the limit still run, because nothing is
// stored as one value that can grow.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import { STORAGE_VALUE_LIMIT_BYTES } from "../../worker/jobs/storage-limits";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runner, runToEnd } from "../helpers/drive";

const echoFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "end", type: "END", name: "end", data: { output: "{ 'text': input.text }" } },
  ],
  connections: [{ source: "start", target: "end" }],
};

/** FOREACH over `input.n` items collecting `input.pad` with the index: `n` results of about `pad` bytes. */
const collectingFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "each", data: { while: "vars.i < input.n", collect: "{ 'i': vars.i, 'pad': input.pad }", maxIterations: 10000000 } },
    { id: "next", type: "ASSIGN", name: "next", data: { vars: { i: "vars.i + 1" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'count': $count(each.results), 'first': each.results[0].i, 'last': each.results[-1].i }" } },
    { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0" } } },
  ],
  connections: [
    { source: "start", target: "init" },
    { source: "init", target: "each" },
    { source: "each", target: "next", port: "loop" },
    { source: "each", target: "end", port: "done" },
  ],
};

async function runJob(flow: unknown, input: unknown) {
  const tenant = await createTenant();
  await publishFlow(tenant, flow, "flow");
  const started = await trigger(tenant, "flow", input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const jobId = started.body.jobId as string;
  await dispatch(tenant.accountId);
  expect(await runToEnd(jobId, 5000)).toBe("COMPLETED");
  return { jobId, job: await getJob(tenant, jobId) };
}

describe("state past the 2 MB stored-value limit", () => {
  it("runs a 1 MiB input made of '€' (2 bytes a character as UTF-16) and reads it back identical", async () => {
    const text = "€".repeat(349_000);
    const { job } = await runJob(echoFlow, { text });
    expect(job.inputData.text === text).toBe(true);
    expect(job.output.text === text).toBe(true);
  });

  it("runs a 1 MiB ASCII input with one '€', which is 2.1 MB as UTF-16, over the limit as one value", async () => {
    const text = "a".repeat(1_048_000) + "€";
    expect(text.length * 2).toBeGreaterThan(STORAGE_VALUE_LIMIT_BYTES);
    const { job, jobId } = await runJob(echoFlow, { text });
    expect(job.output.text === text).toBe(true);
    // The enforced limit was in force: the runner stores the input in parts, each under it.
    const largest = await runInDurableObject(runner(jobId), (instance: JobRunner, state) => {
      expect(instance.store.valueLimitBytes).toBe(STORAGE_VALUE_LIMIT_BYTES);
      return state.storage.sql.exec<{ bytes: number }>("SELECT max(length(text)) AS bytes FROM pieces").one().bytes;
    });
    expect(largest * 2).toBeLessThan(STORAGE_VALUE_LIMIT_BYTES);
  });

  it("completes a FOREACH collecting 100,000 results of 100 bytes, stored as small groups", async () => {
    const { job, jobId } = await runJob(collectingFlow, { n: 100_000, pad: "x".repeat(80) });
    // `collect` runs after each iteration's body, so it sees the counter already moved on.
    expect(job.output).toEqual({ count: 100_000, first: 1, last: 100_000 });
    const stored = await runInDurableObject(runner(jobId), (_instance: JobRunner, state) =>
      state.storage.sql.exec<{ groups: number; bytes: number }>("SELECT count(*) AS groups, sum(length(text)) AS bytes FROM array_groups").one(),
    );
    // About 10 MB of results kept as hundreds of small groups, none near the limit.
    expect(stored.bytes).toBeGreaterThan(9_000_000);
    expect(stored.groups).toBeGreaterThan(300);
  });

  it("runs a job with 32 MiB of state", async () => {
    const { job } = await runJob(collectingFlow, { n: 32_768, pad: "y".repeat(1024) });
    expect(job.output).toEqual({ count: 32_768, first: 1, last: 32_768 });
  });
});
