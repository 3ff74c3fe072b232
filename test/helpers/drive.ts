// Deterministic drivers for the asynchronous parts: the job-triggers consumer is called with
// createMessageBatch (in tests the producer's queue has no consumer), and runners are advanced with
// runDurableObjectAlarm, the way the platform would.
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker from "../../worker/index";
import type { TriggerMessage } from "../../worker/jobs/dispatcher";
import type { JobRunner } from "../../worker/jobs/runner";
import { shardOfJob } from "./db";

let messageCounter = 0;

/** Delivers trigger messages to the dispatcher, as the queue would. */
export async function deliverTriggers(...bodies: TriggerMessage[]) {
  const batch = createMessageBatch<TriggerMessage>(
    "job-triggers",
    bodies.map((body) => ({ id: `test-${++messageCounter}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

export async function dispatch(accountId: string) {
  return deliverTriggers({ accountId, reason: "created" });
}

export function runner(jobId: string) {
  return env.JOB_RUNNER.get(env.JOB_RUNNER.idFromName(jobId));
}

/**
 * Runs the runner's pending alarm, if any. Alarms also fire on their own in workerd, so it first
 * waits for a slice the platform started, and afterwards for one it started meanwhile.
 */
export async function runAlarm(jobId: string): Promise<boolean> {
  const stub = runner(jobId);
  await runInDurableObject(stub, (instance: JobRunner) => instance.idle());
  const ran = await runDurableObjectAlarm(stub);
  await runInDurableObject(stub, (instance: JobRunner) => instance.idle());
  return ran;
}

export async function jobState(jobId: string): Promise<string> {
  const row = await (await shardOfJob(jobId)).prepare("SELECT state FROM jobs WHERE id = ?").bind(jobId).first<{ state: string }>();
  return row!.state;
}

const FINAL = new Set(["COMPLETED", "ERROR", "CANCELED"]);

/** Runs the job's alarms until it reaches a final state (bounded, so a stuck job fails the test). */
export async function runToEnd(jobId: string, maxSlices = 500): Promise<string> {
  for (let slice = 0; slice < maxSlices; slice++) {
    const state = await jobState(jobId);
    if (FINAL.has(state)) return state;
    const ran = await runAlarm(jobId);
    if (!ran && !FINAL.has(await jobState(jobId))) {
      // The platform ran the alarm itself between our two calls; look again.
      await runInDurableObject(runner(jobId), (instance: JobRunner) => instance.idle());
    }
  }
  throw new Error(`job ${jobId} did not finish within ${maxSlices} slices (state ${await jobState(jobId)})`);
}

/** The trigger messages the Worker sends, recorded as the queue would receive them (the tests' producer has no consumer). */
export function recordTriggers() {
  const sent: TriggerMessage[] = [];
  const send = vi.spyOn(env.JOB_TRIGGERS, "send").mockImplementation(async (body: TriggerMessage) => {
    sent.push(body);
    return undefined as never;
  });
  return { sent, send };
}
