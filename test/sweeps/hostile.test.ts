// Hostile input sweep: every route of the OpenAPI document is called with malformed bodies, wrong
// content types, oversized, non-Latin-1 and deeply nested bodies (also to the tenant's real
// resources), hostile ids and bad keys. Every answer must be a 4xx problem+json without internals,
// and a refused request must leave D1 exactly as it was.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenant, publishFlow, trigger } from "../helpers/api";
import { helloFlow } from "../helpers/flows";
import { snapshotD1 } from "./d1-snapshot";

const HOSTILE_IDS = [
  "../../etc/passwd",
  "1' OR '1'='1",
  "x; DROP TABLE jobs; --",
  "%00",
  "💥\u0007\u0001",
  "a".repeat(2000),
];

const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
const MiB = 1024 * 1024;

/**
 * A body each route would take but for one field nested `nested` deep (text: JSON.stringify would
 * overflow). Unknown fields are dropped by the schemas, so without the depth limit most routes would
 * accept it and change something.
 */
const acceptableButDeep = (nested: string) =>
  `{"name":"deep","type":"integration-flow","kind":"solver","url":"https://example.com/hook","events":["JOB.COMPLETED"],` +
  `"payAsYouGo":true,"definition":${nested},"nested":${nested}}`;

// Bodies refused on every route, even with real ids: too deep (DESIGN.md §4.2: 64 levels).
const DEEP_BODIES: [string, string][] = [
  ["3,000 deep (6 KB)", acceptableButDeep(deep(3000))],
  ["3,000 deep objects", acceptableButDeep(deepObject(3000))],
  ["100,000 deep", acceptableButDeep(deep(100_000))],
];

// Job inputs over 1 MiB once UTF-8 encoded, though a character count would let some in.
const OVERSIZED_INPUTS: [string, string][] = [
  ["1 MiB of '€' as a string value", JSON.stringify({ name: "€".repeat(MiB) })],
  ["1 MiB of '€' (350k characters, 1 MiB + 7 bytes)", JSON.stringify({ name: "€".repeat(Math.ceil(MiB / 3)) })],
  ["1 MiB of ASCII plus one '€'", JSON.stringify({ name: "y".repeat(MiB - 12) + "€" })],
];

const HOSTILE_BODIES: [string, string | undefined, string | undefined][] = [
  ["empty body", "", "application/json"],
  ["malformed JSON", "{", "application/json"],
  ["JSON null", "null", "application/json"],
  ["JSON string", '"\\u0000\\u202e"', "application/json"],
  ["array", "[1,2,3]", "application/json"],
  ["deep nesting", deep(5000), "application/json"],
  ["wrong types", JSON.stringify({ name: 123, alias: ["x"], type: 5, definition: "x", url: 7, events: "JOB", kind: null, payAsYouGo: "yes", parallelLimit: "ten", freeSeconds: -1, publish: "no" }), "application/json"],
  ["text/plain", "hello", "text/plain"],
  ["xml", "<job/>", "application/xml"],
  ["no content type", "{}", undefined],
  ["1 MiB + 1", JSON.stringify({ x: "y".repeat(1024 * 1024) }), "application/json"],
  ["10 MiB", JSON.stringify({ x: "y".repeat(10 * 1024 * 1024) }), "application/json"],
  ...DEEP_BODIES.map(([label, body]): [string, string, string] => [label, body, "application/json"]),
  ["1 MiB of '€', not JSON", "€".repeat(MiB), "application/json"],
  ...OVERSIZED_INPUTS.map(([label, body]): [string, string, string] => [label, body, "application/json"]),
];

function expectProblem(label: string, response: { status: number; headers: Headers; body: any }) {
  expect(response.status, label).toBeGreaterThanOrEqual(400);
  expect(response.status, label).toBeLessThan(500);
  expect(response.headers.get("content-type"), label).toContain("application/problem+json");
  expect(response.body, label).toMatchObject({ type: expect.any(String), title: expect.any(String), status: response.status });
  expect(JSON.stringify(response.body), label).not.toMatch(/\bat \S+ \(|SQLITE|D1_|TypeError|ReferenceError/);
}

describe("hostile input sweep", () => {
  it("answers every route's bad input with a 4xx problem+json and changes nothing", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await trigger(tenant, "hello");
    const webhook = await call("POST", "/api/webhooks", {
      key: tenant.managementKey,
      body: { url: "https://example.com/hook", events: ["JOB.COMPLETED"] },
    });
    expect(webhook.status).toBe(201);
    // Path parameters that name this tenant's real resources.
    const realIds: Record<string, string> = {
      flow: "hello",
      rule: "hello",
      version: "1",
      spaceId: tenant.spaceId,
      accountId: tenant.accountId,
      id: webhook.body.id,
    };
    const doc = (await call("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, takesBody: Boolean(operation.requestBody) })),
    );
    expect(operations.length).toBeGreaterThan(20);
    const keyFor = (path: string) =>
      path.startsWith("/api/admin") ? ADMIN_TOKEN : path.startsWith("/job") ? tenant.solverKey : tenant.managementKey;

    const before = await snapshotD1();
    let requests = 0;
    for (const { method, path, takesBody } of operations) {
      if (path === "/api/openapi.json" || path.startsWith("/demo/")) continue;
      const hasParams = path.includes("{");
      // Hostile ids in every path parameter.
      if (hasParams) {
        for (const id of HOSTILE_IDS) {
          const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
          const response = await call(method, url, { key: keyFor(path), body: method === "GET" || method === "DELETE" ? undefined : {} });
          requests++;
          expectProblem(`${method} ${url}`, response);
        }
      }
      // Bad bodies on every route that takes one (path params filled with ids that do not exist).
      if (["POST", "PUT", "PATCH"].includes(method)) {
        const url = path.replace(/\{[^}]+\}/g, "01NOTAREALID000000000000000");
        for (const [label, body, contentType] of HOSTILE_BODIES) {
          const headers: Record<string, string> = { authorization: `Bearer ${keyFor(path)}` };
          if (contentType) headers["content-type"] = contentType;
          const response = await call(method, url, { body, headers });
          requests++;
          expectProblem(`${method} ${path} with ${label}`, response);
        }
      }
      // Deep bodies to the real resources, where a route would otherwise act on them; oversized
      // inputs to the real flow, where a limit counted in characters would start a job.
      const real = path.replace(/\{([^}]+)\}/g, (_, name: string) => realIds[name] ?? "");
      if (takesBody && !real.includes("//") && !real.endsWith("/")) {
        const bodies = path.startsWith("/job/start/") ? [...DEEP_BODIES, ...OVERSIZED_INPUTS] : DEEP_BODIES;
        for (const [label, body] of bodies) {
          const response = await call(method, real, { key: keyFor(path), body });
          requests++;
          expectProblem(`${method} ${real} with ${label}`, response);
          if (path.startsWith("/job/start/")) expect(response.status, label).toBe(label.includes("deep") ? 400 : 413);
        }
      }
      // Missing, garbage and wrong-kind keys.
      for (const key of [undefined, "garbage", "fjk_01ARZ3NDEKTSV4RRFFQ69G5FAV_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]) {
        const url = path.replace(/\{[^}]+\}/g, "x");
        const response = await call(method, url, { key, body: method === "GET" || method === "DELETE" ? undefined : {} });
        requests++;
        expectProblem(`${method} ${path} with key ${key}`, response);
        expect(response.status).toBe(401);
      }
    }
    expect(requests).toBeGreaterThan(300);
    expect(await snapshotD1()).toEqual(before);
  });
});
