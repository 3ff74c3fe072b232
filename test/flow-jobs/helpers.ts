// Shared by the flow-job tests: flows calling the real test HTTP server (test/webhooks/receiver.ts)
// and a look at what that server received (and, for its slow scenario, how many requests were in flight).
import { env } from "cloudflare:workers";
import { call, type Tenant } from "../helpers/api";

/** A fresh URL of the receiver's REST scenarios; the name keeps each test's requests apart. */
export function apiUrl(scenario: string) {
  const name = crypto.randomUUID();
  return { name, url: `${env.RECEIVER_URL}/api/${scenario}/${name}` };
}

export async function receivedCount(name: string): Promise<number> {
  const response = await fetch(`${env.RECEIVER_URL}/requests/${name}`);
  return ((await response.json()) as unknown[]).length;
}

/** START → REST_API 'fetch-orders' (with `data`) → END returning its output. */
export function restFlow(data: Record<string, unknown>, inputSchema?: Record<string, unknown>) {
  return {
    ...(inputSchema ? { inputSchema } : {}),
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "fetch", type: "REST_API", name: "fetch-orders", data },
      { id: "end", type: "END", name: "end", data: { output: "{ 'status': `fetch-orders`.status, 'ok': `fetch-orders`.ok, 'data': `fetch-orders`.data }" } },
    ],
    connections: [
      { source: "start", target: "fetch" },
      { source: "fetch", target: "end" },
    ],
  };
}

export async function jobLogs(tenant: Tenant, jobId: string): Promise<{ level: string; node: string | null; message: string; data?: unknown }[]> {
  const response = await call("GET", `/api/jobs/${jobId}/logs`, { key: tenant.managementKey });
  return response.body.items;
}

/** The requests the receiver got for `name`, with their headers (lower-case names, as Node reports them). */
export async function receivedRequests(name: string): Promise<{ headers: Record<string, string>; body: string }[]> {
  const response = await fetch(`${env.RECEIVER_URL}/requests/${name}`);
  return response.json();
}

/** For the receiver's `slow` scenario: requests of `name` in flight now, the most at once, and how they ended. */
export async function inFlight(name: string): Promise<{ now: number; most: number; answered: number; closedByClient: number }> {
  const response = await fetch(`${env.RECEIVER_URL}/inflight/${name}`);
  return response.json();
}
