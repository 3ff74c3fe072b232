// Fail closed: without the ADMIN_TOKEN secret the admin API answers 503 admin-not-configured to
// every caller, an empty bearer token included, and creates nothing.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { directoryDb } from "../helpers/db";

async function createAccount(adminToken: string | undefined, authorization: string | undefined, name = "intruder") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("https://flowjobs.test/api/admin/accounts", { method: "POST", headers, body: JSON.stringify({ name }) }),
    { ...env, ADMIN_TOKEN: adminToken },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json<any>() };
}

const accounts = async () => (await directoryDb().prepare("SELECT count(*) AS n FROM accounts WHERE name = 'intruder'").first<{ n: number }>())!.n;

describe("admin API without ADMIN_TOKEN", () => {
  it("answers 503 admin-not-configured whatever is presented, and creates no account", async () => {
    for (const adminToken of [undefined, "", "   "]) {
      for (const authorization of [undefined, "Bearer", "Bearer ", `Bearer ${adminToken ?? ""}`, "Bearer anything"]) {
        const answer = await createAccount(adminToken, authorization);
        expect(answer.status, `${JSON.stringify(adminToken)} / ${authorization}`).toBe(503);
        expect(answer.type).toContain("application/problem+json");
        expect(answer.body).toMatchObject({ type: "admin-not-configured", status: 503, detail: expect.stringContaining("ADMIN_TOKEN") });
      }
    }
    expect(await accounts()).toBe(0);
  });

  it("still works once the secret is set", async () => {
    expect((await createAccount("a-real-token", "Bearer a-real-token", "configured")).status).toBe(201);
    expect((await createAccount("a-real-token", "Bearer another", "configured")).status).toBe(401);
  });
});
