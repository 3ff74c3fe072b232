// A job's REST_API over items, through the API and the JobRunner (under the I/O-only clock): at most
// `concurrency` requests in flight as the receiving server counts them, answers in item order, a
// fan-out longer than a slice committed slice by slice (each item called once across evictions), and
// a cancel that closes every request in flight.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runAlarm, runner, runToEnd } from "../helpers/drive";
import { apiUrl, inFlight, jobLogs, receivedCount } from "./helpers";

/** START → REST_API 'lookup' over input.orders (with `data`) → END returning the orders each answer names. */
function fanOutFlow(data: Record<string, unknown>) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "lookup", type: "REST_API", name: "lookup", data: { items: "input.orders", ...data } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'orders': lookup.responses.data.query.order, 'statuses': lookup.responses.status }" } },
    ],
    connections: [
      { source: "start", target: "lookup" },
      { source: "lookup", target: "end" },
    ],
  };
}

const orders = (count: number) => Array.from({ length: count }, (_, index) => `o-${index}`);

describe("REST_API over items in a job", () => {
  it("makes 40 calls of 200 ms with at most 10 in flight, answers in item order, in well under 2 s", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("slow");
    await publishFlow(tenant, fanOutFlow({ concurrency: 10, url: `'${url}?ms=200&order=' & lookup.item` }), "lookups");
    const jobId = (await trigger(tenant, "lookups", { orders: orders(40) })).body.jobId;
    await dispatch(tenant.accountId);

    const startedAt = Date.now();
    expect(await runToEnd(jobId, 10)).toBe("COMPLETED");
    const wallMs = Date.now() - startedAt;

    const job = await getJob(tenant, jobId);
    expect(job.output).toEqual({ orders: orders(40), statuses: Array(40).fill(200) });
    expect(await inFlight(name)).toEqual({ now: 0, most: 10, answered: 40, closedByClient: 0 });
    // Four rounds of 200 ms; one at a time would take 8 s.
    expect(wallMs).toBeLessThan(2000);
  });

  it("spreads a fan-out longer than a slice over several, each committing its answers: evicted between slices, every item is still called once", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("slow");
    // 40 calls of 150 ms, 4 at a time: 1.5 s of calls, past the 1 s slice budget.
    await publishFlow(tenant, fanOutFlow({ concurrency: 4, url: `'${url}?ms=150&order=' & lookup.item` }), "long-lookups");
    const jobId = (await trigger(tenant, "long-lookups", { orders: orders(40) })).body.jobId;
    await dispatch(tenant.accountId);

    for (let slice = 0; (await jobState(jobId)) !== "COMPLETED"; slice++) {
      if (slice > 20) throw new Error(`the job did not complete in ${slice} slices (${await jobState(jobId)})`);
      await runAlarm(jobId);
      // The next slice starts from what this one committed, not from the runner's memory.
      await evictDurableObject(runner(jobId));
    }

    const job = await getJob(tenant, jobId);
    expect(job.output).toEqual({ orders: orders(40), statuses: Array(40).fill(200) });
    expect(await receivedCount(name)).toBe(40);
    const continued = (await jobLogs(tenant, jobId)).filter((line) => line.message.endsWith("items answered; the rest continue in the next slice"));
    expect(continued.length).toBeGreaterThanOrEqual(1);
    expect(continued[0]).toMatchObject({ level: "info", node: "lookup", message: expect.stringMatching(/^\d+ of 40 items answered/) });
  });

  it("aborts every call in flight on cancel: the server sees them closed and the job ends CANCELED within about a second", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("slow");
    await publishFlow(tenant, fanOutFlow({ concurrency: 10, retries: 3, url: `'${url}?ms=60000&order=' & lookup.item` }), "hanging-lookups");
    const jobId = (await trigger(tenant, "hanging-lookups", { orders: orders(25) })).body.jobId;
    await dispatch(tenant.accountId);

    // The slice blocks in the calls until something aborts them.
    const slice = runAlarm(jobId);
    for (let polls = 0; (await inFlight(name)).now < 10; polls++) {
      if (polls > 200) throw new Error("the calls never all reached the server");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await jobState(jobId)).toBe("RUNNING");

    const canceledAt = Date.now();
    expect((await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey })).status).toBe(200);
    await slice;
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
    expect(Date.now() - canceledAt).toBeLessThan(1500);

    for (let polls = 0; (await inFlight(name)).now > 0 && polls < 100; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inFlight(name)).toEqual({ now: 0, most: 10, answered: 0, closedByClient: 10 });
    // Neither retried nor continued with the items not yet started.
    expect(await receivedCount(name)).toBe(10);
    expect((await getJob(tenant, jobId)).status.code).toBe("JOB_USER_CANCELED");
  });
});
