import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

describe("tenant isolation", () => {
  it("answers 404 to space B's keys for space A's jobs, rules and cancels, and changes nothing", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await publishFlow(a, helloFlow, "hello");
    const waiting = (await trigger(a, "hello")).body.jobId;

    const attempts = [
      call("GET", `/job/${waiting}`, { key: b.solverKey }),
      call("POST", `/job/cancel/${waiting}`, { key: b.solverKey }),
      call("POST", `/job/cancelAll/space/${a.spaceId}`, { key: b.solverKey }),
      call("POST", "/job/cancelAll/rule/hello/1", { key: b.solverKey }),
      call("POST", "/job/start/hello", { key: b.solverKey, body: {} }),
      call("GET", `/api/jobs/${waiting}`, { key: b.managementKey }),
      call("GET", `/api/jobs/${waiting}/logs`, { key: b.managementKey }),
      call("GET", "/api/rules/hello", { key: b.managementKey }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(404);
      expect(response.body.status).toBe(404);
    }
    const listed = await call("GET", "/api/jobs", { key: b.managementKey });
    expect(listed.body.items).toEqual([]);
    expect(await jobState(waiting)).toBe("WAITING");
    await dispatch(a.accountId);
    expect(await jobState(waiting)).toBe("RUNNING");
  });

  it("lets two spaces use the same alias independently", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const ruleA = await publishFlow(a, helloFlow, "hello");
    const ruleB = await publishFlow(b, helloFlow, "hello");
    expect(ruleA).not.toBe(ruleB);
    expect((await trigger(b, "hello")).body.ruleReference.baseId).toBe(ruleB);
  });
});
