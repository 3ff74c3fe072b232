// CODE in a job, through the API and the JobRunner (under the clock that moves only on I/O): the
// value it returns, the job log it writes, and the job ending ERROR naming the node when the code
// throws, never ends or eats memory.
import { describe, expect, it } from "vitest";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { jobLogs } from "./helpers";

/** START → CODE 'shape' (with `data`) → END returning its output. */
function codeFlow(data: Record<string, unknown>) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "shape", type: "CODE", name: "shape", data },
      { id: "end", type: "END", name: "end", data: { output: "shape" } },
    ],
    connections: [
      { source: "start", target: "shape" },
      { source: "shape", target: "end" },
    ],
  };
}

async function runJob(data: Record<string, unknown>, input: unknown = {}) {
  const tenant = await createTenant();
  await publishFlow(tenant, codeFlow(data), "shape");
  const jobId = (await trigger(tenant, "shape", input)).body.jobId;
  await dispatch(tenant.accountId);
  const started = performance.now();
  await runToEnd(jobId, 20);
  const elapsedMs = performance.now() - started;
  return { tenant, jobId, job: await getJob(tenant, jobId), elapsedMs };
}

describe("CODE in a job", () => {
  it("completes with what the code returns and writes its console lines to the job log", async () => {
    const code = [
      "const paid = context.input.orders.filter((order) => order.paid);",
      "console.log('paid orders', paid.length);",
      "if (paid.length < context.input.orders.length) console.warn('unpaid', context.input.orders.length - paid.length);",
      "return { ids: paid.map((order) => order.id), total: paid.reduce((sum, order) => sum + order.amount, 0), job: context.$job.attempt };",
    ].join("\n");

    const { tenant, jobId, job } = await runJob({ code }, { orders: [{ id: "o-1", amount: 120, paid: true }, { id: "o-2", amount: 80, paid: false }, { id: "o-3", amount: 5, paid: true }] });

    expect(job.status.state).toBe("COMPLETED");
    expect(job.output).toEqual({ ids: ["o-1", "o-3"], total: 125, job: 1 });
    expect((await jobLogs(tenant, jobId)).map(({ level, node, message }) => ({ level, node, message }))).toEqual([
      { level: "info", node: "shape", message: "paid orders 2" },
      { level: "warn", node: "shape", message: "unpaid 1" },
    ]);
  });

  it("ends the job ERROR naming the node and the line of a thrown error", async () => {
    const { job } = await runJob({ code: "const id = context.input.id;\nif (!id) throw new TypeError('no id');\nreturn id" });

    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(job.error).toEqual({ node: "shape", message: "CODE 'shape': TypeError: no id (line 2, column 29)" });
  });

  it("ends `while (true) {}` ERROR naming the node within timeoutMs plus a second", async () => {
    const { job, elapsedMs } = await runJob({ code: "while (true) {}" });

    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(job.error).toEqual({ node: "shape", message: "CODE 'shape': the code ran past its timeoutMs (1000 ms of CPU) and was stopped" });
    expect(elapsedMs).toBeLessThan(1000 + 1000);
  });

  it("ends a memory bomb ERROR with a memory message (32 MiB limit)", async () => {
    const { job } = await runJob({ code: "const a = [];\nwhile (true) a.push(new Array(1e6));", timeoutMs: 10_000 });

    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(job.error).toEqual({ node: "shape", message: expect.stringMatching(/^CODE 'shape': the code ran out of memory \(the limit is 32 MiB\) and was stopped/) });
  });
});
