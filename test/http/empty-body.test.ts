// An empty trigger body is explained as empty (and `{}` named as the empty input), not called
// "not valid JSON"; the contract's 400 for a body that cannot be an input stays.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

describe("empty body to /job/start", () => {
  it("answers 400 saying the body is empty and that {} is the empty input, with or without a version", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    for (const [path, body] of [["/job/start/hello", ""], ["/job/start/hello/1", ""], ["/job/start/hello", " \n\t"]]) {
      const response = await call("POST", path, { key: tenant.solverKey, body });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body).toMatchObject({
        type: "invalid-json",
        title: "Empty request body",
        detail: "The request body is empty. Send the job input as a JSON object; `{}` is the empty input.",
      });
    }
    // No body at all, with the JSON content type curl -H sends.
    const none = await call("POST", "/job/start/hello", { key: tenant.solverKey, headers: { "content-type": "application/json" } });
    expect([none.status, none.body.title]).toEqual([400, "Empty request body"]);

    expect((await call("POST", "/job/start/hello", { key: tenant.solverKey, body: "{" })).body.detail).toBe("The request body is not valid JSON.");
    expect((await call("POST", "/job/start/hello", { key: tenant.solverKey, body: {} })).status).toBe(202);
  });

  it("leaves bodiless requests elsewhere alone", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const jobId = (await call("POST", "/job/start/hello", { key: tenant.solverKey, body: {} })).body.jobId;
    const cancel = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey, headers: { "content-type": "application/json" } });
    expect(cancel.status).toBe(200);
  });
});
