// Webhook test helpers: a job that reaches a final state, and delivering the queued delivery
// messages to the consumer as the webhook-deliveries queue would.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/webhooks/fanout";
import { call, publishFlow, trigger, type Tenant } from "../helpers/api";
import { shardDatabases } from "../helpers/db";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

let counter = 0;

export function receiver(path: string) {
  return `${env.RECEIVER_URL}/${path}`;
}

export async function received(name: string): Promise<{ headers: Record<string, string>; body: string }[]> {
  return (await fetch(receiver(`requests/${name}`))).json();
}

export async function createWebhook(tenant: Tenant, body: Record<string, unknown>) {
  const response = await call("POST", "/api/webhooks", { key: tenant.managementKey, body: { events: ["JOB.COMPLETED"], ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; secret: string };
}

export async function completedJob(tenant: Tenant, flow = "hello") {
  const exists = await call("GET", `/api/rules/${flow}`, { key: tenant.managementKey });
  if (exists.status === 404) await publishFlow(tenant, helloFlow, flow);
  const jobId = (await trigger(tenant, flow, { name: "Ada" })).body.jobId as string;
  await dispatch(tenant.accountId);
  await runToEnd(jobId);
  return jobId;
}

export async function deliveries(tenant: Tenant, webhookId: string) {
  const response = await call("GET", `/api/webhooks/${webhookId}/deliveries`, { key: tenant.managementKey });
  expect(response.status).toBe(200);
  return response.body.items as {
    id: string;
    jobId: string;
    status: string;
    series: number;
    attempts: { attempt: number; statusCode: number | null; error: string | null; responseSnippet: string | null }[];
  }[];
}

/**
 * Delivers one message to the consumer. Returns whether it was acknowledged and, when it was sent
 * back for a retry, the delay the delivery now waits (from its nextAttemptAt, in seconds).
 */
export async function deliver(message: Omit<DeliveryMessage, "shard"> & { shard?: string }) {
  const shard = message.shard ?? (await shardHoldingDelivery(message.deliveryId));
  const body: DeliveryMessage = { ...message, shard };
  const batch = createMessageBatch<DeliveryMessage>("webhook-deliveries", [
    { id: `delivery-${++counter}`, timestamp: new Date(), attempts: 1, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  const acked = result.explicitAcks.length === 1;
  expect(acked || result.retryMessages.length === 1).toBe(true);
  if (acked) return { acked, retryDelay: null };
  const row = await env[shard as `JOBS_${string}`]
    .prepare("SELECT next_attempt_at FROM webhook_deliveries WHERE id = ?")
    .bind(message.deliveryId)
    .first<{ next_attempt_at: number }>();
  return { acked, retryDelay: Math.round((row!.next_attempt_at - Date.now()) / 1000) };
}

/** The shard whose webhook_deliveries holds the delivery (the queue message names it; tests look it up). */
export async function shardHoldingDelivery(deliveryId: string): Promise<string> {
  for (const { name, db } of shardDatabases()) {
    if (await db.prepare("SELECT 1 FROM webhook_deliveries WHERE id = ?").bind(deliveryId).first()) return name;
  }
  throw new Error(`no shard holds delivery ${deliveryId}`);
}
