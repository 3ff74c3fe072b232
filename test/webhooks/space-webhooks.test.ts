// A job's end matches the space's webhook endpoints as its isolate remembers them
// (webhooks/space-webhooks.ts): the directory is read once, not per job; and a change made by any
// isolate — here written straight to the databases, as another isolate's API call would, so this
// isolate's memory is not told — is seen by the next job's end through the space's webhook epoch.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, createTenant, type Tenant } from "../helpers/api";
import { completedJob, createWebhook, deliveries, receiver } from "./helpers";

const ENDPOINTS_READ = /FROM webhooks WHERE enabled = 1 AND space_id = \?/;

/** What another isolate's PATCH /api/webhooks/{id} does: the directory row, then the epoch on the shard. */
async function changedElsewhere(tenant: Tenant, webhookId: string, enabled: boolean) {
  await env.DIRECTORY.prepare("UPDATE webhooks SET enabled = ? WHERE id = ?").bind(enabled ? 1 : 0, webhookId).run();
  await tenant.db
    .prepare("INSERT INTO webhook_epochs (space_id, epoch) VALUES (?, 1) ON CONFLICT (space_id) DO UPDATE SET epoch = epoch + 1")
    .bind(tenant.spaceId)
    .run();
}

async function epochOf(tenant: Tenant) {
  const row = await tenant.db.prepare("SELECT epoch FROM webhook_epochs WHERE space_id = ?").bind(tenant.spaceId).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

describe("remembered webhook endpoints", () => {
  it("are read from the directory for the first job's end only", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/remembered") });
    const first = await completedJob(tenant);
    const reads = vi.spyOn(env.DIRECTORY, "prepare");
    let later: string[];
    try {
      later = [await completedJob(tenant), await completedJob(tenant)];
      expect(reads.mock.calls.filter(([sql]) => ENDPOINTS_READ.test(sql))).toEqual([]);
    } finally {
      reads.mockRestore();
    }
    expect((await deliveries(tenant, hook.id)).map((delivery) => delivery.jobId).sort()).toEqual([first, ...later].sort());
  });

  it("give an endpoint enabled by another isolate the next job's delivery", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/enabled-elsewhere"), enabled: false });
    await completedJob(tenant);
    expect(await deliveries(tenant, hook.id)).toEqual([]);
    await changedElsewhere(tenant, hook.id, true);
    const jobId = await completedJob(tenant);
    expect((await deliveries(tenant, hook.id)).map((delivery) => delivery.jobId)).toEqual([jobId]);
  });

  it("give an endpoint disabled by another isolate no delivery, and the refused batch leaves nothing half written", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("ok/disabled-elsewhere") });
    const first = await completedJob(tenant);
    await changedElsewhere(tenant, hook.id, false);
    const jobId = await completedJob(tenant);
    expect((await deliveries(tenant, hook.id)).map((delivery) => delivery.jobId)).toEqual([first]);
    // The batch written again is the only one that landed: one timeline end, one ledger row, one output.
    const counts = await tenant.db
      .prepare(
        `SELECT (SELECT count(*) FROM job_events WHERE job_id = ?1 AND state = 'COMPLETED') AS ended,
                (SELECT count(*) FROM usage_ledger WHERE job_id = ?1) AS charges,
                (SELECT count(*) FROM job_outputs WHERE job_id = ?1) AS outputs,
                (SELECT count(*) FROM webhook_epoch_checks) AS guards`,
      )
      .bind(jobId)
      .first();
    expect(counts).toEqual({ ended: 1, charges: 1, outputs: 1, guards: 0 });
  });

  it("move on with every change the API makes to the space's endpoints", async () => {
    const tenant = await createTenant();
    const before = await epochOf(tenant);
    const hook = await createWebhook(tenant, { url: receiver("ok/epochs") });
    expect(await epochOf(tenant)).toBe(before + 1);
    expect((await call("PATCH", `/api/webhooks/${hook.id}`, { key: tenant.managementKey, body: { enabled: false } })).status).toBe(200);
    expect(await epochOf(tenant)).toBe(before + 2);
    expect((await call("DELETE", `/api/webhooks/${hook.id}`, { key: tenant.managementKey })).status).toBe(204);
    expect(await epochOf(tenant)).toBe(before + 3);
  });

  it("guard a batch: a stale epoch aborts it with the guard's message, a current one writes nothing", async () => {
    const tenant = await createTenant();
    await createWebhook(tenant, { url: receiver("ok/guard") });
    const epoch = await epochOf(tenant);
    const guard = (value: number) => tenant.db.prepare("INSERT INTO webhook_epoch_checks (space_id, epoch) VALUES (?, ?)").bind(tenant.spaceId, value);
    // A write after the guard in the same batch, to see whether the batch landed.
    const markerSpace = `marker-${tenant.spaceId}`;
    const marker = () => tenant.db.prepare("INSERT INTO webhook_epochs (space_id, epoch) VALUES (?, 99)").bind(markerSpace);
    const landed = () => tenant.db.prepare("SELECT epoch FROM webhook_epochs WHERE space_id = ?").bind(markerSpace).first();
    await expect(tenant.db.batch([guard(epoch - 1), marker()])).rejects.toThrow(/webhook endpoints changed/);
    expect(await landed()).toBeNull();
    await tenant.db.batch([guard(epoch), marker()]);
    expect(await landed()).toEqual({ epoch: 99 });
    expect(await tenant.db.prepare("SELECT count(*) AS n FROM webhook_epoch_checks").first()).toEqual({ n: 0 });
  });
});
