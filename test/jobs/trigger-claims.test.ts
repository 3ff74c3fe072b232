// A trigger that sees a free slot claims it itself — in its INSERT's own batch while the account's
// slots were last seen free, else after its answer (dispatcher.ts claimsInBatch, claimAfterTrigger) —
// with no queue hop between the trigger and the job's start. The other tests set CLAIM_BY=queue so
// their jobs wait for the trigger they deliver; these run the Worker as deployed (CLAIM_BY unset) and
// wait for the work it does after answering (waitUntil).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { deliverTriggers, jobState, recordTriggers, runner, runToEnd } from "../helpers/drive";
import { sleepyFlow } from "../helpers/flows";

/** POST /job/start as deployed: answered, and then the work it left for after its answer, done. */
async function triggerAsDeployed(tenant: Tenant, input: unknown) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("https://flowjobs.test/job/start/sleepy", {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.solverKey}`, "content-type": "application/json" },
      body: JSON.stringify(input),
    }),
    { ...env, CLAIM_BY: undefined },
    ctx,
  );
  const body = (await response.json()) as { jobId: string; status: { state: string } };
  await waitOnExecutionContext(ctx);
  return { status: response.status, body };
}

const claimStatement = (sql: string) => /claimed_at = \?6/.test(sql);

describe("a trigger with a free slot claims it itself", () => {
  it("answers WAITING, then starts the job's runner without a queue message", async () => {
    const tenant = await createTenant({ parallelLimit: 2 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const { sent, send } = recordTriggers();
    try {
      const started = await triggerAsDeployed(tenant, { seconds: 3600 });
      // The contract's answer: the job as it was inserted.
      expect(started.status).toBe(202);
      expect(started.body.status.state).toBe("WAITING");
      expect(await jobState(started.body.jobId)).toBe("RUNNING");
      expect((await runner(started.body.jobId).snapshot()).phase).toBe("running");
      expect(sent).toEqual([]);
    } finally {
      send.mockRestore();
    }
  });

  it("claims the account's oldest waiting job first, and never past the parallel limit", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const { sent, send } = recordTriggers();
    try {
      // An older job whose trigger was lost (recorded here, never delivered): it waits.
      const older = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId as string;
      sent.splice(0);
      const newer = (await triggerAsDeployed(tenant, { seconds: 3600 })).body.jobId;
      expect([await jobState(older), await jobState(newer)]).toEqual(["RUNNING", "WAITING"]);

      // Every slot taken: the next trigger's claim (its slots were last seen free) finds none, and the
      // one after it, knowing the account full, inserts its job with no claim at all.
      const third = (await triggerAsDeployed(tenant, { seconds: 3600 })).body.jobId;
      expect([await jobState(older), await jobState(newer), await jobState(third)]).toEqual(["RUNNING", "WAITING", "WAITING"]);
      const claims = vi.spyOn(tenant.db, "prepare");
      try {
        const fourth = (await triggerAsDeployed(tenant, { seconds: 3600 })).body.jobId;
        expect(await jobState(fourth)).toBe("WAITING");
        expect(claims.mock.calls.filter(([sql]) => claimStatement(sql))).toEqual([]);
      } finally {
        claims.mockRestore();
      }
      expect(sent).toEqual([]);
    } finally {
      send.mockRestore();
    }
  });

  it("claims in the INSERT's own batch: one round trip to the shard before the answer", async () => {
    const tenant = await createTenant({ parallelLimit: 2 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const { sent, send } = recordTriggers();
    const claimSql = new WeakSet<D1PreparedStatement>();
    const prepare = tenant.db.prepare.bind(tenant.db);
    const prepared = vi.spyOn(tenant.db, "prepare").mockImplementation((sql: string) => {
      const statement = prepare(sql);
      if (!claimStatement(sql)) return statement;
      // The statement the batch gets is the bound one.
      const bind = statement.bind.bind(statement);
      statement.bind = (...values: unknown[]) => {
        const bound = bind(...values);
        claimSql.add(bound);
        return bound;
      };
      return statement;
    });
    const batches = vi.spyOn(tenant.db, "batch");
    try {
      const started = await triggerAsDeployed(tenant, { seconds: 3600 });
      expect(started.body.status.state).toBe("WAITING");
      expect(await jobState(started.body.jobId)).toBe("RUNNING");
      // The claim went in the batch with the INSERT, and was not made again on its own.
      const withClaim = batches.mock.calls.filter(([statements]) => statements.some((statement) => claimSql.has(statement)));
      expect(withClaim.map(([statements]) => statements.length)).toEqual([2]);
      expect(prepared.mock.calls.filter(([sql]) => claimStatement(sql))).toHaveLength(1);
      expect(sent).toEqual([]);
    } finally {
      prepared.mockRestore();
      batches.mockRestore();
      send.mockRestore();
    }
  });

  it("leaves the claim to the job-triggers queue when its own claim after the answer fails", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const { sent, send } = recordTriggers();
    // The account seen full (its one slot held), then the slot freed: the next trigger, not claiming
    // in its batch, finds the slot free and claims after its answer.
    const holder = (await triggerAsDeployed(tenant, { seconds: 3600 })).body.jobId;
    const waiting = (await triggerAsDeployed(tenant, { seconds: 3600 })).body.jobId;
    expect(await jobState(waiting)).toBe("WAITING");
    expect((await call("POST", `/job/cancel/${holder}`, { key: tenant.solverKey })).status).toBe(200);
    expect(await runToEnd(holder)).toBe("CANCELED");
    sent.splice(0);
    const prepare = tenant.db.prepare.bind(tenant.db);
    const failing = vi.spyOn(tenant.db, "prepare").mockImplementation((sql: string) => {
      if (claimStatement(sql)) throw new Error("D1_ERROR: Network connection lost.");
      return prepare(sql);
    });
    let jobId: string;
    try {
      const started = await triggerAsDeployed(tenant, { seconds: 3600 });
      expect(started.status).toBe(202);
      jobId = started.body.jobId;
    } finally {
      failing.mockRestore();
    }
    try {
      expect([await jobState(waiting), await jobState(jobId)]).toEqual(["WAITING", "WAITING"]);
      expect(sent).toEqual([{ accountId: tenant.accountId, shard: tenant.shard, reason: "created", jobId }]);
      // The queue delivers it; its consumer claims, oldest first.
      await deliverTriggers(...sent.splice(0));
      expect([await jobState(waiting), await jobState(jobId)]).toEqual(["RUNNING", "WAITING"]);
    } finally {
      send.mockRestore();
    }
  });
});
