// Bounded input (DESIGN.md §4.2): JSON nested deeper than 64 levels is refused before it is parsed —
// at the trigger with 400 invalid-input, on rule save with 422 invalid-definition naming the path,
// elsewhere with 422 invalid-body — and creates nothing.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, type Tenant } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

/** `{"x": [[…]]}`: the object is level 1, so `levels` in all. Built as text: JSON.stringify recurses. */
const inputNested = (levels: number) => `{"x":${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}}`;

/** An inputSchema whose nesting makes the definition `levels` deep (each property adds two levels). */
function schemaNested(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = levels % 2 === 0 ? { type: "string" } : { type: "object", properties: {} };
  for (let level = levels - (levels % 2 === 0 ? 2 : 3); level > 0; level -= 2) {
    schema = { type: "object", properties: { a: schema } };
  }
  return { ...helloFlow, inputSchema: schema };
}

async function jobCount(tenant: Tenant) {
  const row = await tenant.db.prepare("SELECT count(*) AS n FROM jobs WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>();
  return row!.n;
}

describe("bounded input: JSON nesting limit of 64 levels", () => {
  it("refuses the 6 KB, 3,000-deep job input with 400 invalid-input saying the limit, and creates no job", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const body = inputNested(3000);
    expect(body.length).toBeLessThan(6 * 1024 + 16);
    for (const path of ["/job/start/hello", "/job/start/hello/1"]) {
      const response = await call("POST", path, { key: tenant.solverKey, body });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body).toMatchObject({ type: "invalid-input", status: 400 });
      expect(response.body.detail).toMatch(/deeper than 64 levels .*input\.x\[0\]\[0\].*the limit is 64/);
    }
    expect(await jobCount(tenant)).toBe(0);
  });

  it("accepts a 64-deep job input and stores it as sent; 65 deep is refused", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const accepted = await call("POST", "/job/start/hello", { key: tenant.solverKey, body: inputNested(64) });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const job = await call("GET", `/job/${accepted.body.jobId}`, { key: tenant.solverKey });
    expect(JSON.stringify(job.body.inputData)).toBe(inputNested(64));
    const refused = await call("POST", "/job/start/hello", { key: tenant.solverKey, body: inputNested(65) });
    expect(refused.status).toBe(400);
    expect(await jobCount(tenant)).toBe(1);
  });

  it("refuses a 100,000-deep body on every route that takes one, without overflowing", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const body = inputNested(100_000);
    const answers = await Promise.all([
      call("POST", "/job/start/hello", { key: tenant.solverKey, body }),
      call("POST", "/api/rules", { key: tenant.managementKey, body: `{"name":"x","type":"integration-flow","definition":${body}}` }),
      call("POST", "/api/webhooks", { key: tenant.managementKey, body }),
    ]);
    expect(answers.map((answer) => [answer.status, answer.body.type])).toEqual([
      [400, "invalid-input"],
      [422, "invalid-definition"],
      [422, "invalid-body"],
    ]);
    expect(await jobCount(tenant)).toBe(0);
  });

  it("saves a definition 64 levels deep and refuses 65 with 422 invalid-definition naming the path", async () => {
    const tenant = await createTenant();
    const saved = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "deep", alias: "deep", type: "integration-flow", definition: schemaNested(64) },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);

    const tooDeep = schemaNested(65);
    for (const [path, body] of [
      ["/api/rules", { name: "deeper", type: "integration-flow", definition: tooDeep }],
      ["/api/rules/deep/versions", { definition: tooDeep }],
    ] as const) {
      const refused = await call("POST", path, { key: tenant.managementKey, body });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ type: "invalid-definition" });
      expect(refused.body.errors).toEqual([
        { path: `definition.inputSchema${".properties.a".repeat(31)}.properties`, message: expect.stringMatching(/deeper than 64 levels.*the limit is 64/) },
      ]);
    }
    const rule = await call("GET", "/api/rules/deep", { key: tenant.managementKey });
    expect(rule.body).toMatchObject({ latestVersion: 1 });
    expect((await call("GET", "/api/rules", { key: tenant.managementKey })).body.items).toHaveLength(1);
  });

  it("refuses other deep bodies with 422 invalid-body naming the path", async () => {
    const tenant = await createTenant();
    const events = `${"[".repeat(64)}"JOB.COMPLETED"${"]".repeat(64)}`;
    const response = await call("POST", "/api/webhooks", {
      key: tenant.managementKey,
      body: `{"url":"https://example.com/hook","events":${events}}`,
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ type: "invalid-body" });
    expect(response.body.errors).toEqual([
      { path: `json.events${"[0]".repeat(63)}`, message: expect.stringMatching(/deeper than 64 levels/) },
    ]);
    expect((await call("GET", "/api/webhooks", { key: tenant.managementKey })).body.items).toEqual([]);
  });

  it("bounds a body sent without a Content-Length (streamed) as one with: over 1 MiB 413, within it started", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const streamed = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      // In pieces of 64 KiB, with no length known in advance.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 65536) controller.enqueue(bytes.slice(offset, offset + 65536));
          controller.close();
        },
      });
      const request = new Request("https://flowjobs.test/job/start/hello", {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.solverKey}`, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit);
      expect(request.headers.get("content-length")).toBeNull();
      return exports.default.fetch(request);
    };
    const tooLarge = await streamed(JSON.stringify({ blob: "x".repeat(1024 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ type: "payload-too-large" });
    expect(await jobCount(tenant)).toBe(0);

    const within = await streamed(JSON.stringify({ name: "ada", blob: "y".repeat(200_000) }));
    expect(within.status).toBe(202);
    expect(await jobCount(tenant)).toBe(1);
  });
});
