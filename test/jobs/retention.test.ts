import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { jobShard } from "../../worker/db/databases";
import type { Env } from "../../worker/env";
import type { JobRunner } from "../../worker/jobs/runner";
import { DEFAULT_RETENTION_DAYS, purgeExpiredJobs } from "../../worker/jobs/retention";
import { runWatchdog } from "../../worker/jobs/watchdog";
import { ADMIN_TOKEN, call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { shardDatabases } from "../helpers/db";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { helloFlow, sleepyFlow } from "../helpers/flows";
import { completedJob, createWebhook, deliver, deliveries, receiver } from "../webhooks/helpers";

const DAY_MS = 86_400_000;
const afterRetention = () => Date.now() + (DEFAULT_RETENTION_DAYS + 1) * DAY_MS;
const beforeRetention = () => Date.now() + (DEFAULT_RETENTION_DAYS - 1) * DAY_MS;

/** The job's rows, counted on every shard: nothing of a purged job may be left on any of them. */
async function rowsOf(jobId: string) {
  const count = async (sql: string) => {
    let n = 0;
    for (const { db } of shardDatabases()) n += (await db.prepare(sql).bind(jobId).first<{ n: number }>())!.n;
    return n;
  };
  return {
    jobs: await count("SELECT count(*) AS n FROM jobs WHERE id = ?"),
    outputs: await count("SELECT count(*) AS n FROM job_outputs WHERE job_id = ?"),
    events: await count("SELECT count(*) AS n FROM job_events WHERE job_id = ?"),
    deliveries: await count("SELECT count(*) AS n FROM webhook_deliveries WHERE job_id = ?"),
    attempts: await count(
      "SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE job_id = ?)",
    ),
    charges: await count("SELECT count(*) AS n FROM usage_ledger WHERE job_id = ?"),
    queuedPurges: await count("SELECT count(*) AS n FROM purge_queue WHERE job_id = ?"),
  };
}

/** The ledger's milliseconds of a job, and what retention folded into usage_purged for the tenant's space. */
async function chargedMs(tenant: Tenant, jobId: string) {
  const ledger = await tenant.db.prepare("SELECT coalesce(sum(ms), 0) AS ms FROM usage_ledger WHERE job_id = ?").bind(jobId).first<{ ms: number }>();
  const purged = await tenant.db
    .prepare("SELECT coalesce(sum(ms), 0) AS ms FROM usage_purged WHERE account_id = ? AND space_id = ?")
    .bind(tenant.accountId, tenant.spaceId)
    .first<{ ms: number }>();
  return { ledger: ledger!.ms, purged: purged!.ms };
}

/** Retention of one tenant's shard, as the watchdog runs it on each shard. */
function purgeShardOf(tenant: Tenant, now: number, on: Env = env) {
  return purgeExpiredJobs(on, jobShard(env, tenant.shard), now);
}

/** What the job's runner still stores: its key-value entries, SQL tables and alarm. */
async function runnerStorage(jobId: string) {
  return runInDurableObject(runner(jobId), async (_instance: JobRunner, state) => ({
    keys: [...state.storage.kv.list()].map(([key]) => key),
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
      .toArray()
      .map((row) => row.name),
    alarm: await state.storage.getAlarm(),
  }));
}

async function usage(tenant: Tenant) {
  const response = await call("GET", "/api/usage", { key: tenant.managementKey });
  expect(response.status).toBe(200);
  return response.body;
}

describe("retention", () => {
  it("purges a job finished longer ago than the retention period, with all it left behind, and keeps its charges", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/retention") });
    const jobId = await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    await deliver({ deliveryId: delivery.id, series: 1 });
    const before = await rowsOf(jobId);
    expect(before).toMatchObject({ jobs: 1, outputs: 1, deliveries: 1, attempts: 1 });
    expect(before.events).toBeGreaterThan(0);
    expect(before.charges).toBeGreaterThan(0);
    const charged = await chargedMs(tenant, jobId);
    expect(charged).toMatchObject({ purged: 0 });
    expect(charged.ledger).toBeGreaterThan(0);
    expect((await runnerStorage(jobId)).keys).toContain("init");
    const billed = await usage(tenant);

    // Still within the retention period: kept.
    expect((await runWatchdog(env, beforeRetention())).purged).not.toContain(jobId);
    expect((await rowsOf(jobId)).jobs).toBe(1);

    const report = await runWatchdog(env, afterRetention());
    expect(report.purged).toContain(jobId);
    expect(await rowsOf(jobId)).toEqual({ jobs: 0, outputs: 0, events: 0, deliveries: 0, attempts: 0, charges: 0, queuedPurges: 0 });
    // Its ledger rows are folded into usage_purged, so the drift check still adds up.
    expect(await chargedMs(tenant, jobId)).toEqual({ ledger: 0, purged: charged.ledger });
    expect((await call("GET", "/api/usage/verify", { key: tenant.managementKey })).body).toMatchObject({ drift: [], jobMismatches: [] });
    expect(await runnerStorage(jobId)).toEqual({ keys: [], tables: [], alarm: null });

    for (const [path, key] of [[`/job/${jobId}`, tenant.solverKey], [`/api/jobs/${jobId}`, tenant.managementKey]]) {
      const gone = await call("GET", path, { key });
      expect(gone.status).toBe(404);
      expect(gone.headers.get("content-type")).toContain("application/problem+json");
    }
    const list = await call("GET", "/api/jobs", { key: tenant.managementKey });
    expect(list.body.items.map((job: { jobId: string }) => job.jobId)).not.toContain(jobId);
    // The seconds it ran stay billed.
    expect(await usage(tenant)).toEqual(billed);
  });

  it("keeps each account's finished jobs for its own retention period, set and reset by the admin API", async () => {
    const brief = await createTenant({ retentionDays: 2 });
    const standard = await createTenant();
    expect((await call("GET", `/api/admin/accounts/${brief.accountId}`, { key: ADMIN_TOKEN })).body.retentionDays).toBe(2);
    expect((await call("GET", `/api/admin/accounts/${standard.accountId}`, { key: ADMIN_TOKEN })).body.retentionDays).toBeNull();
    const briefJob = await completedJob(brief);
    const standardJob = await completedJob(standard);

    // Three days on: past the brief account's two days, well inside the deployment's 30.
    const report = await runWatchdog(env, Date.now() + 3 * DAY_MS);
    expect(report.purged).toContain(briefJob);
    expect(report.purged).not.toContain(standardJob);
    expect((await rowsOf(briefJob)).jobs).toBe(0);
    expect((await rowsOf(standardJob)).jobs).toBe(1);

    // A longer period for the standard account keeps its job past the deployment's; null puts the default back.
    const longer = await call("PATCH", `/api/admin/accounts/${standard.accountId}`, { key: ADMIN_TOKEN, body: { retentionDays: 90 } });
    expect(longer.body.retentionDays).toBe(90);
    expect((await runWatchdog(env, afterRetention())).purged).not.toContain(standardJob);
    const reset = await call("PATCH", `/api/admin/accounts/${standard.accountId}`, { key: ADMIN_TOKEN, body: { retentionDays: null } });
    expect(reset.body.retentionDays).toBeNull();
    expect((await runWatchdog(env, afterRetention())).purged).toContain(standardJob);

    for (const retentionDays of [0, 3651, 1.5, "30"]) {
      const refused = await call("PATCH", `/api/admin/accounts/${brief.accountId}`, { key: ADMIN_TOKEN, body: { retentionDays } });
      expect(refused.status, String(retentionDays)).toBe(422);
    }
    expect((await call("GET", `/api/admin/accounts/${brief.accountId}`, { key: ADMIN_TOKEN })).body.retentionDays).toBe(2);
  });

  it("keeps unfinished jobs, and a finished job until its webhook delivery has ended", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/retention-pending") });
    const finished = await completedJob(tenant);
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const sleeping = (await trigger(tenant, "sleepy", { seconds: 100 * 86_400 })).body.jobId as string;
    await dispatch(tenant.accountId);
    await runAlarm(sleeping);

    let report = await runWatchdog(env, afterRetention());
    expect(report.purged).not.toContain(finished);
    expect(report.purged).not.toContain(sleeping);
    expect((await rowsOf(finished)).jobs).toBe(1);
    expect((await rowsOf(sleeping)).jobs).toBe(1);

    const [delivery] = await deliveries(tenant, hook.id);
    expect(delivery.status).toBe("pending");
    await deliver({ deliveryId: delivery.id, series: delivery.series });
    expect((await deliveries(tenant, hook.id))[0].status).toBe("succeeded");

    report = await runWatchdog(env, afterRetention());
    expect(report.purged).toContain(finished);
    expect(report.purged).not.toContain(sleeping);
    expect((await rowsOf(sleeping)).jobs).toBe(1);
  });

  it("purges a job canceled while waiting without creating a runner for it", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello", { name: "never" })).body.jobId as string;
    expect((await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey })).status).toBe(200);

    expect(await purgeShardOf(tenant, afterRetention())).toContain(jobId);
    expect(await rowsOf(jobId)).toMatchObject({ jobs: 0, events: 0, queuedPurges: 0 });
    const runnerId = env.JOB_RUNNER.idFromName(jobId);
    expect((await listDurableObjectIds(env.JOB_RUNNER)).some((id) => id.equals(runnerId))).toBe(false);
  });

  it("leaves nothing stored in the runner of a job someone waited on while it waited, and that was canceled then", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello", { name: "never" })).body.jobId as string;
    // What GET /job/{id}?wait= does while the job waits: the runner is reached before any start.
    expect(await runner(jobId).waitForEnd(0)).toBe(false);
    expect((await runner(jobId).logs(0, 10)).items).toEqual([]);
    expect((await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey })).status).toBe(200);
    expect(await purgeShardOf(tenant, afterRetention())).toContain(jobId);
    // Retention calls no runner for a job that never had one: the object must hold nothing.
    expect(await runnerStorage(jobId)).toEqual({ keys: [], tables: [], alarm: null });
  });

  it("empties a runner whose purge failed on a later run", async () => {
    const tenant = await createTenant();
    const jobId = await completedJob(tenant);
    const unreachable = {
      ...env,
      JOB_RUNNER: {
        idFromName: (name: string) => env.JOB_RUNNER.idFromName(name),
        get: () => ({ purge: () => Promise.reject(new Error("Durable Object unavailable")) }),
      },
    } as unknown as Env;

    expect(await purgeShardOf(tenant, afterRetention(), unreachable)).toContain(jobId);
    // The job's rows are gone; its runner is queued, its storage still there.
    expect(await rowsOf(jobId)).toMatchObject({ jobs: 0, queuedPurges: 1 });
    expect((await runnerStorage(jobId)).keys).toContain("init");

    expect(await purgeShardOf(tenant, afterRetention())).not.toContain(jobId);
    expect((await rowsOf(jobId)).queuedPurges).toBe(0);
    expect(await runnerStorage(jobId)).toEqual({ keys: [], tables: [], alarm: null });
  });

  it("forgets an Idempotency-Key with its purged job: the key starts a new job", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const first = await trigger(tenant, "hello", { name: "once" }, { "idempotency-key": "retained" });
    await dispatch(tenant.accountId);
    expect(await runToEnd(first.body.jobId)).toBe("COMPLETED");
    const replay = await trigger(tenant, "hello", { name: "once" }, { "idempotency-key": "retained" });
    expect(replay.body.jobId).toBe(first.body.jobId);

    expect(await purgeShardOf(tenant, afterRetention())).toContain(first.body.jobId);
    const after = await trigger(tenant, "hello", { name: "once" }, { "idempotency-key": "retained" });
    expect(after.status).toBe(202);
    expect(after.body.jobId).not.toBe(first.body.jobId);
  });
});
