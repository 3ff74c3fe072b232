// Tenant isolation sweep: two spaces in two accounts. Every route of the OpenAPI document that takes
// an id is called with tenant B's key and tenant A's ids: always 404, nothing of A in the answer, and
// D1 unchanged. The lists B can read contain nothing of A.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";
import { completedJob, createWebhook, deliveries, receiver } from "../webhooks/helpers";
import { snapshotD1 } from "./d1-snapshot";

/** Bodies a route would act on, where `{}` is refused before the lookup would answer 404. */
const BODIES: Record<string, unknown> = {
  "PATCH /api/rules/{rule}": { type: "decision-flow" },
  "POST /rule/solve/{rule}": { data: {} },
  "POST /rule/solve/{rule}/{version}": { data: {} },
};

describe("tenant isolation sweep", () => {
  it("never lets one tenant read, change or learn about another's resources", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await publishFlow(b, helloFlow, "b-flow");
    const hook = await createWebhook(a, { url: receiver("ok/sweep") });
    const done = await completedJob(a, "hello");
    const waiting = (await trigger(a, "hello")).body.jobId;
    const [delivery] = await deliveries(a, hook.id);
    const ruleId = (await call("GET", "/api/rules/hello", { key: a.managementKey })).body.ruleId;
    const ids: Record<string, string> = {
      jobId: waiting,
      flow: "hello",
      rule: ruleId,
      version: "1",
      spaceId: a.spaceId,
      id: hook.id,
    };
    const secrets = [a.spaceId, a.accountId, waiting, done, ruleId, hook.id, delivery.id];

    const doc = (await call("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const before = await snapshotD1();
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.includes("{") || path.startsWith("/api/admin") || path.startsWith("/demo/")) continue;
      for (const method of Object.keys(methods).map((name) => name.toUpperCase())) {
        const url = path
          .replace("/deliveries/{id}", `/deliveries/${delivery.id}`)
          .replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(ids[name]));
        const key = path.startsWith("/job") ? b.solverKey : b.managementKey;
        const body = method === "GET" || method === "DELETE" ? undefined : (BODIES[`${method} ${path}`] ?? (path.includes("/versions") ? { definition: helloFlow } : {}));
        const response = await call(method, url, { key, body });
        checked++;
        expect({ route: `${method} ${url}`, status: response.status }).toEqual({ route: `${method} ${url}`, status: 404 });
        // The answer may echo the id B sent, never anything else of A's.
        for (const secret of secrets.filter((value) => !url.includes(value))) {
          expect(JSON.stringify(response.body), `${method} ${url}`).not.toContain(secret);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(await snapshotD1()).toEqual(before);

    for (const list of ["/api/jobs", "/api/rules", "/api/webhooks", "/api/usage", "/api/me"]) {
      const response = await call("GET", list, { key: b.managementKey });
      expect(response.status).toBe(200);
      for (const secret of secrets) expect(JSON.stringify(response.body), list).not.toContain(secret);
    }
    // And A still has everything.
    await dispatch(a.accountId);
    expect(await runToEnd(waiting)).toBe("COMPLETED");
  });
});
