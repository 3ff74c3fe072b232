import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

describe("job lifecycle", () => {
  it("goes WAITING → RUNNING → COMPLETED with the flow's output", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const started = await trigger(tenant, "hello", { name: "Ada" });
    const jobId = started.body.jobId;
    expect(await jobState(jobId)).toBe("WAITING");

    await dispatch(tenant.accountId);
    const running = await getJob(tenant, jobId);
    expect(["RUNNING", "COMPLETED"]).toContain(running.status.state);
    expect(running.claimedAt).not.toBeNull();

    expect(await runToEnd(jobId)).toBe("COMPLETED");
    const job = await getJob(tenant, jobId);
    expect(job.status).toEqual({ state: "COMPLETED", code: "JOB_SUCCESS", message: "Job completed successfully" });
    expect(job.output).toEqual({ greeting: "Hello, Ada" });
    expect(job.error).toBeNull();
    expect(job.progress.steps).toBe(4);
    expect(job.usage.executionMs).toBeGreaterThanOrEqual(0);
    const times = [job.createdAt, job.claimedAt, job.endedAt].map((time: string) => Date.parse(time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Date.parse(job.updatedAt)).toBeGreaterThanOrEqual(times[2]);
  });

  it("records the transitions as a timeline and keeps the job's logs", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello", { name: "Bo" })).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(jobId);

    const detail = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
    expect(detail.status).toBe(200);
    expect(detail.body.events.map((event: { state: string }) => event.state)).toEqual(["WAITING", "RUNNING", "COMPLETED"]);
    expect(detail.body.events[0].description).toContain("key 'ci'");
    expect(detail.body.nodeStates).toMatchObject({ greet: "done", say: "done" });

    const logs = await call("GET", `/api/jobs/${jobId}/logs`, { key: tenant.managementKey });
    expect(logs.status).toBe(200);
    expect(logs.body.items).toContainEqual(expect.objectContaining({ level: "info", node: "say", message: "Hello, Bo" }));
  });

  it("lists the space's jobs newest first with filters and keyset paging", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await trigger(tenant, "hello", {}, { "x-correlation-id": `c-${i}` })).body.jobId);
    await call("POST", `/job/cancel/${ids[1]}`, { key: tenant.solverKey });

    const first = await call("GET", "/api/jobs?limit=2", { key: tenant.managementKey });
    expect(first.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[4], ids[3]]);
    const second = await call("GET", `/api/jobs?limit=2&cursor=${first.body.nextCursor}`, { key: tenant.managementKey });
    expect(second.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[2], ids[1]]);
    const third = await call("GET", `/api/jobs?limit=2&cursor=${second.body.nextCursor}`, { key: tenant.managementKey });
    expect(third.body).toEqual({ items: [expect.objectContaining({ jobId: ids[0] })], nextCursor: null });

    const canceled = await call("GET", "/api/jobs?state=CANCELED", { key: tenant.managementKey });
    expect(canceled.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[1]]);
    const byCorrelation = await call("GET", "/api/jobs?q=c-3", { key: tenant.managementKey });
    expect(byCorrelation.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[3]]);
    const byFlow = await call("GET", "/api/jobs?flow=hello&version=1&state=WAITING", { key: tenant.managementKey });
    expect(byFlow.body.items).toHaveLength(4);
    const unknownFlow = await call("GET", "/api/jobs?flow=nope", { key: tenant.managementKey });
    expect([unknownFlow.status, unknownFlow.body.type]).toEqual([404, "rule-not-found"]);
    await publishFlow(tenant, helloFlow, "idle");
    expect((await call("GET", "/api/jobs?flow=idle", { key: tenant.managementKey })).body).toEqual({ items: [], nextCursor: null });
    const byId = await call("GET", `/api/jobs?flow=${byFlow.body.items[0].ruleReference.baseId}&limit=1`, { key: tenant.managementKey });
    expect(byId.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[4]]);
    const future = await call("GET", `/api/jobs?from=${new Date(Date.now() + 60_000).toISOString()}`, { key: tenant.managementKey });
    expect(future.body.items).toEqual([]);
    const bad = await call("GET", "/api/jobs?state=SLEEPY&limit=500", { key: tenant.managementKey });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe("invalid-request");
  });

  it("counts the jobs in each state under the list's filters, up to the cap", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await publishFlow(tenant, helloFlow, "other");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await trigger(tenant, "hello", {}, { "x-correlation-id": `k-${i}` })).body.jobId);
    await trigger(tenant, "other");
    await call("POST", `/job/cancel/${ids[0]}`, { key: tenant.solverKey });

    const all = await call("GET", "/api/jobs/counts", { key: tenant.managementKey });
    expect(all.status).toBe(200);
    expect(all.body.counts).toEqual({
      WAITING: { count: 4, more: false },
      RUNNING: { count: 0, more: false },
      COMPLETED: { count: 0, more: false },
      ERROR: { count: 0, more: false },
      CANCELING: { count: 0, more: false },
      CANCELED: { count: 1, more: false },
    });
    expect((await call("GET", "/api/jobs/counts?flow=hello", { key: tenant.managementKey })).body.counts.WAITING.count).toBe(3);
    const searched = await call("GET", "/api/jobs/counts?q=k-0", { key: tenant.managementKey });
    expect([searched.body.counts.WAITING.count, searched.body.counts.CANCELED.count]).toEqual([0, 1]);
    const unknown = await call("GET", "/api/jobs/counts?flow=nope", { key: tenant.managementKey });
    expect([unknown.status, unknown.body.type]).toEqual([404, "rule-not-found"]);

    // Past the cap the count stops and says so (rows written straight to D1: 1,000 triggers would
    // only slow the test down).
    const cap = all.body.cap as number;
    await tenant.db.prepare(
      `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_alias, rule_version, correlation_id, used_api_key_id, input, state,
         status_code, status_message, transition_note, created_at, updated_at, steps, execution_ms)
       WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1)
       SELECT printf('00CAP%021d', x), space_id, account_id, rule_id, rule_alias, 1, 'cap-' || x, 'test', '{}', 'ERROR',
         'JOB_ERROR', 'seeded', 'seeded', 1, 1, 0, 0 FROM n, jobs WHERE jobs.id = ?2`,
    )
      .bind(cap + 1, ids[1])
      .run();
    const capped = await call("GET", "/api/jobs/counts", { key: tenant.managementKey });
    expect(capped.body.counts.ERROR).toEqual({ count: cap, more: true });
    expect(capped.body.counts.WAITING).toEqual({ count: 4, more: false });
  });
});
