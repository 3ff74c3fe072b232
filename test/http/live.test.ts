import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

function parseEvents(text: string) {
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split("\n");
      const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      return { event: field("event"), data: JSON.parse(field("data") ?? "null") };
    });
}

describe("live job view", () => {
  it("streams the job, its node states with run counts and its log lines as Server-Sent Events, then ends", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await trigger(tenant, "hello", { name: "Cy" })).body.jobId;
    await dispatch(tenant.accountId);
    await runToEnd(jobId);

    const response = await exports.default.fetch(
      new Request(`https://flowjobs.test/api/jobs/${jobId}/live`, { headers: { authorization: `Bearer ${tenant.managementKey}` } }),
    );
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseEvents(await response.text());
    expect(events.map((event) => event.event)).toEqual(["job", "nodes", "logs", "end"]);
    expect(events[0].data).toMatchObject({ jobId, status: { state: "COMPLETED" } });
    expect(events[1].data).toEqual({ states: { start: "done", greet: "done", say: "done", end: "done" }, runs: { start: 1, greet: 1, say: 1, end: 1 } });
    expect(events[2].data).toEqual([expect.objectContaining({ message: "Hello, Cy", node: "say" })]);
    expect(events[3].data).toEqual({ state: "COMPLETED" });
  });

  it("is a 404 for another space's job", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await publishFlow(a, helloFlow, "hello");
    const jobId = (await trigger(a, "hello")).body.jobId;
    expect((await call("GET", `/api/jobs/${jobId}/live`, { key: b.managementKey })).status).toBe(404);
  });

  it("answers an unchanged jobs page with 304 Not Modified", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await trigger(tenant, "hello");
    const first = await call("GET", "/api/jobs", { key: tenant.managementKey });
    const tag = first.headers.get("etag")!;
    expect(tag).toBeTruthy();
    const again = await call("GET", "/api/jobs", { key: tenant.managementKey, headers: { "if-none-match": tag } });
    expect(again.status).toBe(304);
    await trigger(tenant, "hello");
    expect((await call("GET", "/api/jobs", { key: tenant.managementKey, headers: { "if-none-match": tag } })).status).toBe(200);
  });
});
