// JobRunner.start() is atomic and idempotent: the init and the control record are stored together or
// not at all (a write refused by the enforced value limit leaves nothing behind), and a second call
// changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JobRunner } from "../../worker/jobs/runner";
import type { RunnerInit } from "../../worker/jobs/runner-storage";
import { helloFlow } from "../helpers/flows";

function initFor(input: unknown): RunnerInit {
  return {
    jobId: "job-start-test",
    accountId: "account",
    shard: env.JOB_SHARDS.split(",")[0],
    spaceId: "space",
    ruleId: "rule",
    ruleVersion: 1,
    definition: JSON.stringify(helloFlow),
    input: JSON.stringify(input),
    attempt: 1,
  };
}

describe("starting a runner", () => {
  it("stores nothing when a write of start() fails, and starts cleanly on the next call", async () => {
    const stub = env.JOB_RUNNER.get(env.JOB_RUNNER.newUniqueId());
    await runInDurableObject(stub, async (instance: JobRunner, state) => {
      instance.store.valueLimitBytes = 10_000;
      await expect(instance.start(initFor({ name: "x".repeat(20_000) }))).rejects.toThrow(/SQLITE_TOOBIG/);
      expect(instance.store.started).toBe(false);
      expect(instance.store.control).toBeUndefined();
      expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pieces").one().n).toBe(0);
      expect(await state.storage.getAlarm()).toBeNull();

      instance.store.valueLimitBytes = 2_000_000;
      await instance.start(initFor({ name: "Ada" }));
      expect(instance.store.started).toBe(true);
      expect(JSON.parse(instance.store.init!.input)).toEqual({ name: "Ada" });
      expect(instance.store.control).toMatchObject({ phase: "running", slices: 0 });
      expect(await state.storage.getAlarm()).not.toBeNull();

      // A repeated start (a redelivered trigger) keeps the first one's input.
      await instance.start(initFor({ name: "Grace" }));
      expect(JSON.parse(instance.store.init!.input)).toEqual({ name: "Ada" });
    });
  });
});
