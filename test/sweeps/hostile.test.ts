// Hostile input sweep: every route of the OpenAPI document is called with malformed bodies, wrong
// content types, oversized and deeply nested bodies, hostile ids and bad keys. Every answer must be
// a 4xx problem+json without internals, and a refused request must leave D1 exactly as it was.
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
    const doc = (await call("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(operations.length).toBeGreaterThan(20);
    const keyFor = (path: string) =>
      path.startsWith("/api/admin") ? ADMIN_TOKEN : path.startsWith("/job") ? tenant.solverKey : tenant.managementKey;

    const before = await snapshotD1();
    let requests = 0;
    for (const { method, path } of operations) {
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
