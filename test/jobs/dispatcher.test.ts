import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { deliverTriggers, dispatch, jobState, recordTriggers, runner, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";

async function states(ids: string[]) {
  return Promise.all(ids.map(jobState));
}

describe("dispatcher", () => {
  it("never runs more than parallelLimit jobs and starts them in trigger order", async () => {
    const tenant = await createTenant({ parallelLimit: 2 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId);

    // Several concurrent deliveries (duplicates included) still fill only two slots.
    await Promise.all([dispatch(tenant.accountId), dispatch(tenant.accountId), dispatch(tenant.accountId)]);
    expect(await states(ids)).toEqual(["RUNNING", "RUNNING", "WAITING", "WAITING", "WAITING"]);

    // The first job finishes (canceled here): its slot goes to the oldest waiting job.
    await call("POST", `/job/cancel/${ids[0]}`, { key: tenant.solverKey });
    await runToEnd(ids[0], 3);
    await dispatch(tenant.accountId);
    expect(await states(ids)).toEqual(["CANCELED", "RUNNING", "RUNNING", "WAITING", "WAITING"]);

    const claimed = await tenant.db.prepare("SELECT id FROM jobs WHERE space_id = ? AND claimed_at IS NOT NULL ORDER BY claimed_at, id")
      .bind(tenant.spaceId)
      .all<{ id: string }>();
    expect(claimed.results.map((row) => row.id)).toEqual(ids.slice(0, 3));
  });

  it("starts a job once even when its trigger is delivered twice", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 10 })).body.jobId;
    // Without its shard, as a message sent before shards were named in it: the dispatcher looks it up.
    const message = { accountId: tenant.accountId, reason: "created" as const, jobId };
    const [first, second] = await Promise.all([deliverTriggers(message), deliverTriggers(message)]);
    expect(first.explicitAcks).toHaveLength(1);
    expect(second.explicitAcks).toHaveLength(1);
    await runToEnd(jobId);
    await deliverTriggers(message);

    const events = await tenant.db.prepare("SELECT state FROM job_events WHERE job_id = ? ORDER BY seq").bind(jobId).all<{ state: string }>();
    expect(events.results.map((row) => row.state)).toEqual(["WAITING", "RUNNING", "COMPLETED"]);
    const runnerInit = await runner(jobId).snapshot();
    expect(runnerInit.steps).toBe((await tenant.db.prepare("SELECT steps FROM jobs WHERE id = ?").bind(jobId).first<{ steps: number }>())!.steps);
  });

  it("sends a trigger only when a slot is free; a full account's job starts on the trigger of the job that frees a slot", async () => {
    const { sent, send } = recordTriggers();
    try {
      const tenant = await createTenant({ parallelLimit: 1 });
      await publishFlow(tenant, sleepyFlow, "sleepy");
      const first = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
      expect(sent).toEqual([{ accountId: tenant.accountId, shard: tenant.shard, reason: "created", jobId: first }]);
      await deliverTriggers(...sent.splice(0));
      expect(await jobState(first)).toBe("RUNNING");

      // Its one slot is taken: nothing to claim, so no message.
      const second = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
      expect(sent).toEqual([]);

      // The running job ends; its runner sends the trigger that starts the waiting one.
      await call("POST", `/job/cancel/${first}`, { key: tenant.solverKey });
      await runToEnd(first, 3);
      expect(sent).toEqual([expect.objectContaining({ accountId: tenant.accountId, reason: "slot-freed" })]);
      await deliverTriggers(...sent.splice(0));
      expect(await states([first, second])).toEqual(["CANCELED", "RUNNING"]);
    } finally {
      send.mockRestore();
    }
  });

  it("claims without a trailing claim that finds nothing, and reads a version's definition once per isolate", async () => {
    const tenant = await createTenant({ parallelLimit: 5 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId);
    const claims = vi.spyOn(tenant.db, "prepare");
    const definitions = vi.spyOn(env.DIRECTORY, "prepare");
    try {
      await dispatch(tenant.accountId);
      expect(await states(ids)).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
      const claimStatements = () => claims.mock.calls.filter(([sql]) => /claimed_at = \?6/.test(sql)).length;
      // Three waiting jobs, three claims: the last one saw nothing younger waiting and stopped.
      expect(claimStatements()).toBe(3);
      const versionReads = () => definitions.mock.calls.filter(([sql]) => /FROM rule_versions WHERE rule_id = \? AND version = \?/.test(sql)).length;
      // The first claim of this version read its definition (unless an earlier test of this isolate did); the others did not.
      expect(versionReads()).toBeLessThanOrEqual(1);

      // A fourth job: one claim, which starts it.
      const fourth = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId;
      claims.mockClear();
      await dispatch(tenant.accountId);
      expect(await jobState(fourth)).toBe("RUNNING");
      expect(claimStatements()).toBe(1);
      // Nothing waits: a dispatch makes the one claim that finds nothing.
      claims.mockClear();
      await dispatch(tenant.accountId);
      expect(claimStatements()).toBe(1);
      expect(versionReads()).toBeLessThanOrEqual(1);
    } finally {
      claims.mockRestore();
      definitions.mockRestore();
    }
  });

  it("sends no slot-freed trigger when no job of the account waits for the slot", async () => {
    const { sent, send } = recordTriggers();
    try {
      const tenant = await createTenant({ parallelLimit: 2 });
      await publishFlow(tenant, countingFlow, "count");
      const jobId = (await trigger(tenant, "count", { n: 3 })).body.jobId as string;
      await deliverTriggers(...sent.splice(0));
      await runToEnd(jobId);
      expect(await jobState(jobId)).toBe("COMPLETED");
      expect(sent).toEqual([]);
      // Its runner recorded the hand-over as immediate: the slot was free for the next trigger's own claim.
      const { phases } = await runner(jobId).snapshot();
      expect(phases.handedOverAt).toBe(phases.finalMirroredAt);
      expect(phases.firstSliceAt).toBeGreaterThanOrEqual(phases.startedAt!);
    } finally {
      send.mockRestore();
    }
  });

  it("acknowledges and drops a malformed message instead of retrying it forever", async () => {
    const result = await deliverTriggers({ nonsense: true } as never);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
  });
});
