// A job's REST_API node against a real HTTP server, through the API and the JobRunner: retries, and
// how a failing answer ends the job (or does not, with failOnError: false).
import { describe, expect, it } from "vitest";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { apiUrl, jobLogs, receivedCount, restFlow } from "./helpers";

async function runJob(data: Record<string, unknown>) {
  const tenant = await createTenant();
  await publishFlow(tenant, restFlow(data), "orders");
  const jobId = (await trigger(tenant, "orders")).body.jobId;
  await dispatch(tenant.accountId);
  await runToEnd(jobId, 10);
  return { tenant, jobId, job: await getJob(tenant, jobId) };
}

describe("REST_API in a job", () => {
  it("retries a 503 twice, then completes with the parsed answer", async () => {
    const { name, url } = apiUrl("flaky503");

    const { tenant, jobId, job } = await runJob({ url: `'${url}'`, retries: 2, retryDelayMs: 20 });

    expect(job.status.state).toBe("COMPLETED");
    expect(job.output).toEqual({ status: 200, ok: true, data: { orders: [{ id: "o-1", amount: 120 }], attempt: 3 } });
    expect(await receivedCount(name)).toBe(3);
    const logs = await jobLogs(tenant, jobId);
    expect(logs.map((line) => [line.node, line.level, line.message.replace(/ \(attempt (\d) of 3, \d+ ms\)$/, " #$1")])).toEqual([
      ["fetch-orders", "warn", `GET ${url} answered 503 #1`],
      ["fetch-orders", "warn", `GET ${url} answered 503 #2`],
      ["fetch-orders", "info", `GET ${url} answered 200 #3`],
    ]);
  });

  it("ends the job ERROR naming the node when a 404 comes back with failOnError", async () => {
    const { url } = apiUrl("notfound");

    const { tenant, jobId, job } = await runJob({ url: `'${url}'`, retries: 2, retryDelayMs: 1 });

    expect(job.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(job.error).toEqual({ node: "fetch-orders", message: `REST_API 'fetch-orders': GET ${url} answered 404 after 1 attempt` });
    // The log has the detail: the answer's body.
    const logs = await jobLogs(tenant, jobId);
    expect(logs.at(-1)).toMatchObject({ level: "error", node: "fetch-orders", data: { status: 404, body: '{"error":"no such order"}' } });
  });

  it("names the attempts when 5xx answers outlast the retries", async () => {
    const { url } = apiUrl("always503");

    const { job } = await runJob({ url: `'${url}'`, retries: 2, retryDelayMs: 1 });

    expect(job.error).toEqual({ node: "fetch-orders", message: `REST_API 'fetch-orders': GET ${url} answered 503 after 3 attempts` });
  });

  it("continues with ok: false when failOnError is false", async () => {
    const { url } = apiUrl("notfound");

    const { job } = await runJob({ url: `'${url}'`, failOnError: false });

    expect(job.status.state).toBe("COMPLETED");
    expect(job.output).toEqual({ status: 404, ok: false, data: { error: "no such order" } });
  });
});
