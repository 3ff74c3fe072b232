// The demo API (/demo/*) exists only under `npm start` (ENVIRONMENT "development"): deployed, and in
// these tests, it is the same 404 as any unknown route, and the OpenAPI document never lists it.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { call } from "../helpers/api";

async function demoCustomer(environment: string, path = "/demo/customers/c-100") {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://flowjobs.test${path}`), { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json<any>() };
}

describe("demo API", () => {
  it("answers 404 route-not-found when ENVIRONMENT is production (or test)", async () => {
    for (const environment of ["production", "test", ""]) {
      const answer = await demoCustomer(environment);
      expect(answer.status, environment).toBe(404);
      expect((await demoCustomer(environment, "/demo/customers")).status, environment).toBe(404);
      expect(answer.type).toContain("application/problem+json");
      expect(answer.body).toMatchObject({ type: "route-not-found", status: 404 });
    }
  });

  it("serves the sample customers under npm start (development)", async () => {
    expect(await demoCustomer("development")).toMatchObject({ status: 200, body: { id: "c-100", name: "Ada Lovelace", segment: "gold" } });
    // The list npm start prints.
    const all = await demoCustomer("development", "/demo/customers");
    expect(all.body.items.map((customer: { id: string; segment: string }) => `${customer.id} ${customer.segment}`)).toEqual(["c-100 gold", "c-200 silver", "c-300 bronze"]);
  });

  it("is left out of the OpenAPI document", async () => {
    const doc = await call("GET", "/api/openapi.json");
    expect(Object.keys(doc.body.paths).filter((path) => path.startsWith("/demo"))).toEqual([]);
  });
});
