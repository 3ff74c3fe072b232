// Disabling an account through the admin API: its waiting jobs end CANCELED / JOB_SYSTEM_CANCELED
// with their JOB.CANCELED webhooks, its running jobs are canceled by their runners, its triggers are
// refused (403 account-disabled, no job created) until it is enabled again; other accounts go on.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { JobShard } from "../../worker/db/databases";
import type { Env } from "../../worker/env";
import { cancelJobsOfDisabledAccount } from "../../worker/jobs/service";
import { limitedD1 } from "../helpers/faults";
import { ADMIN_TOKEN, addSpace, call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, jobState, runAlarm, runToEnd } from "../helpers/drive";
import { helloFlow, sleepyFlow } from "../helpers/flows";
import { createWebhook, receiver } from "../webhooks/helpers";

async function jobCount(tenant: Tenant) {
  return (await tenant.db.prepare("SELECT count(*) AS n FROM jobs WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>())!.n;
}

function setDisabled(accountId: string, disabled: boolean) {
  return call("PATCH", `/api/admin/accounts/${accountId}`, { key: ADMIN_TOKEN, body: { disabled } });
}

describe("disabling an account", () => {
  it("cancels its waiting jobs as the system, with their webhooks, and stops its running jobs", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    const second = await addSpace(tenant.accountId);
    const bystander = await createTenant();
    for (const space of [tenant, second, bystander]) {
      await publishFlow(space, sleepyFlow, "sleepy");
      await publishFlow(space, helloFlow, "hello");
    }
    const hook = await createWebhook(tenant, { url: receiver("ok/disabled-account"), events: ["JOB.CANCELED"] });
    const running = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
    await dispatch(tenant.accountId);
    await runAlarm(running);
    const waiting = [(await trigger(tenant, "hello")).body.jobId, (await trigger(second, "hello")).body.jobId] as string[];
    const untouched = (await trigger(bystander, "hello")).body.jobId as string;

    const patched = await setDisabled(tenant.accountId, true);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: tenant.accountId, disabled: true });

    for (const [space, jobId] of [[tenant, waiting[0]], [second, waiting[1]]] as const) {
      const job = await getJob(space, jobId);
      expect(job.status).toEqual({
        state: "CANCELED",
        code: "JOB_SYSTEM_CANCELED",
        message: "Canceled by the system: the account was disabled",
      });
      expect(job.endedAt).not.toBeNull();
    }
    const timeline = await call("GET", `/api/jobs/${waiting[0]}`, { key: tenant.managementKey });
    expect(timeline.body.events.at(-1).description).toBe("Canceled while waiting: the account was disabled");

    // The running job was asked to stop; its runner ends it CANCELED (the platform may already have run its alarm).
    expect(await runToEnd(running, 3)).toBe("CANCELED");
    const stopped = await call("GET", `/api/jobs/${running}`, { key: tenant.managementKey });
    expect(stopped.body.status).toMatchObject({ code: "JOB_SYSTEM_CANCELED", message: "Canceled by the system: the account was disabled" });
    expect(stopped.body.events.map((event: { state: string; description: string }) => [event.state, event.description])).toContainEqual([
      "CANCELING",
      "Cancel requested by the system (the account was disabled)",
    ]);

    // One JOB.CANCELED each: the waiting job's made with its transition, the running job's by its runner.
    const deliveries = await tenant.db.prepare("SELECT job_id, event_type FROM webhook_deliveries WHERE webhook_id = ? ORDER BY job_id")
      .bind(hook.id)
      .all<{ job_id: string; event_type: string }>();
    expect(deliveries.results).toEqual(
      [running, waiting[0]].sort().map((job_id) => ({ job_id, event_type: "JOB.CANCELED" })),
    );

    expect(await jobState(untouched)).toBe("WAITING");
  });

  it("refuses its triggers with 403 account-disabled and creates no job, until it is enabled again", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    expect((await setDisabled(tenant.accountId, true)).body.disabled).toBe(true);
    const before = await jobCount(tenant);

    const refused = await trigger(tenant, "hello", { name: "Ada" }, { "Idempotency-Key": "after-disable" });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ type: "account-disabled", status: 403, title: "Account disabled" });
    expect(refused.body.detail).toContain("disabled by an administrator");
    // A flow that does not exist is still a 404: the caller can fix that one.
    expect((await trigger(tenant, "nope")).status).toBe(404);
    expect(await jobCount(tenant)).toBe(before);

    expect((await setDisabled(tenant.accountId, false)).body.disabled).toBe(false);
    const accepted = await trigger(tenant, "hello", { name: "Ada" }, { "Idempotency-Key": "after-disable" });
    expect(accepted.status).toBe(202);
    await dispatch(tenant.accountId);
    expect(await runToEnd(accepted.body.jobId)).toBe("COMPLETED");
  });

  it("is a no-op for the jobs when the PATCH does not disable", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello")).body.jobId as string;
    const patched = await call("PATCH", `/api/admin/accounts/${tenant.accountId}`, { key: ADMIN_TOKEN, body: { parallelLimit: 3 } });
    expect(patched.body).toMatchObject({ parallelLimit: 3, disabled: false });
    expect((await setDisabled(tenant.accountId, false)).status).toBe(200);
    expect(await jobState(jobId)).toBe("WAITING");
  });

  it("sends the waiting jobs' JOB.CANCELED to every endpoint of an account whose endpoints together exceed one D1 value", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const hello = await publishFlow(tenant, helloFlow, "hello");
    const running = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
    await dispatch(tenant.accountId);
    await runAlarm(running);
    const waiting = (await trigger(tenant, "hello")).body.jobId as string;
    // 16 spaces at their 50 endpoints, each filtering 100 flows (the tenant's hello among them): ~2.3 MB of endpoints.
    const spaces = [tenant.spaceId];
    for (let index = 1; index < 16; index++) spaces.push((await addSpace(tenant.accountId)).spaceId);
    const flows = JSON.stringify([hello, ...Array.from({ length: 99 }, (_, index) => `01FLOWFILTER${String(index).padStart(14, "0")}`)]);
    for (const spaceId of spaces) {
      await env.DIRECTORY.prepare(
        `INSERT INTO webhooks (id, space_id, url, events, flows, enabled, secret_ciphertext, created_at, updated_at)
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50)
         SELECT printf('01HOOK%s%04d', substr(?1, 11, 16), x), ?1, 'https://hooks.example.com/' || x, '["JOB.CANCELED"]', ?2, 1, 'seeded', 1, 1 FROM n`,
      ).bind(spaceId, flows).run();
    }

    // The shard as deployed D1 takes it: no bound value over 2 MB.
    const result = await cancelJobsOfDisabledAccount(env as unknown as Env, new JobShard(tenant.shard, limitedD1(tenant.db)), tenant.accountId);
    expect(result.canceled).toBe(1);
    expect((await getJob(tenant, waiting)).status.code).toBe("JOB_SYSTEM_CANCELED");
    const deliveries = await tenant.db.prepare("SELECT count(DISTINCT webhook_id) AS n FROM webhook_deliveries WHERE job_id = ? AND event_type = 'JOB.CANCELED'").bind(waiting).first<{ n: number }>();
    expect(deliveries!.n).toBe(50);
    expect(await runToEnd(running, 3)).toBe("CANCELED");
  });
});
