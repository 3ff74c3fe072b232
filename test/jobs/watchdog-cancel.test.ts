// The watchdog finishes a cancel that never reached its runner (the API's requestCancel call
// failed): after a short grace it forwards the cancel, also to a job sleeping in a long WAIT and to
// one that keeps running (whose heartbeat is fresh, so it is never stale).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CANCEL_LOST_AFTER_MS, runWatchdog } from "../../worker/jobs/watchdog";
import { createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { shardOfJob } from "../helpers/db";
import { dispatch, jobState, runAlarm, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";

/** What POST /job/cancel writes to D1 before it calls the runner, as if that call then failed. */
async function cancelWhoseCallFailed(jobId: string) {
  const now = Date.now();
  await (await shardOfJob(jobId)).prepare(
    `UPDATE jobs SET state = 'CANCELING', transition_note = 'Cancel requested by key ''ci''', updated_at = ?1, cancel_requested_at = ?1
     WHERE id = ?2 AND state = 'RUNNING'`,
  )
    .bind(now, jobId)
    .run();
}

const afterGrace = () => Date.now() + CANCEL_LOST_AFTER_MS + 1000;

describe("watchdog and cancels that did not land", () => {
  it("cancels a job sleeping in a one-hour WAIT whose cancel call failed, without waiting for the WAIT", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    await cancelWhoseCallFailed(jobId);

    // Within the grace the cancel may still be on its way: left alone.
    expect((await runWatchdog(env)).cancelsForwarded).not.toContain(jobId);
    const report = await runWatchdog(env, afterGrace());
    expect(report.cancelsForwarded).toContain(jobId);
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
    const job = await getJob(tenant, jobId);
    expect(job.status.state).toBe("CANCELED");
    expect(job.output).toBeNull();
  });

  it("cancels a job that keeps running (fresh heartbeat) whose cancel call failed", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 10_000_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    await cancelWhoseCallFailed(jobId);
    // Slices go on, and the job never looks stale.
    await runAlarm(jobId);
    expect(await jobState(jobId)).toBe("CANCELING");

    const report = await runWatchdog(env, afterGrace());
    expect(report.rearmed).not.toContain(jobId);
    expect(report.cancelsForwarded).toContain(jobId);
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
  });
});
