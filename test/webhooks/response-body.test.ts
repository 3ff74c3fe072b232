// The consumer keeps the first 1 KiB of a receiver's answer in the attempt log and reads no more:
// a receiver answering an endless stream of megabytes is cut off after 1 KiB, the attempt logged.
import { describe, expect, it } from "vitest";
import { createTenant } from "../helpers/api";
import { completedJob, createWebhook, deliver, deliveries, received, receiver } from "./helpers";

describe("webhook response bodies", () => {
  it("reads an endless response body only up to the 1 KiB kept, then closes the connection", async () => {
    const tenant = await createTenant();
    const hook = await createWebhook(tenant, { url: receiver("endless/endless-1") });
    await completedJob(tenant);
    const [delivery] = await deliveries(tenant, hook.id);
    expect(await deliver({ deliveryId: delivery.id, series: 1 })).toEqual({ acked: true, retryDelay: null });

    const [after] = await deliveries(tenant, hook.id);
    expect(after.status).toBe("succeeded");
    expect(after.attempts).toEqual([expect.objectContaining({ attempt: 0, statusCode: 200, error: null })]);
    const snippet = after.attempts[0].responseSnippet!;
    expect(new TextEncoder().encode(snippet).byteLength).toBeLessThanOrEqual(1024);
    // 341 '€' are 1,023 bytes: the character cut at the 1 KiB boundary is left out, not mangled.
    expect(snippet).toBe("€".repeat(341));

    // The receiver sees the connection closed while it still had endless bytes to send.
    const streamed = async () => (await received("endless-1"))[0] as { closedByClient?: boolean; streamedBytes?: number; body: string };
    let record = await streamed();
    for (let poll = 0; poll < 100 && !record.closedByClient; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      record = await streamed();
    }
    expect(record.closedByClient).toBe(true);
  });
});
