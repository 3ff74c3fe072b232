// GET /job/{id}?wait=N: the answer waits for the job's end (or N seconds), so a client learns of it
// without polling; a bad wait is refused.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { countingFlow } from "../helpers/flows";

describe("GET /job/{id}?wait=", () => {
  it("answers once the job has completed, with its output, when the wait began before it was even claimed", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 3 })).body.jobId as string;
    let answered = false;
    const waiting = call("GET", `/job/${jobId}?wait=30`, { key: tenant.solverKey }).then((response) => {
      answered = true;
      return response;
    });
    // The job is still WAITING: nothing answers yet (the read is parked on the job's runner).
    expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body.status.state).toBe("WAITING");
    expect(answered).toBe(false);
    await dispatch(tenant.accountId);
    await runToEnd(jobId);
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ jobId, status: { state: "COMPLETED" }, output: { count: 3, sum: 3 } });
  });

  it("answers a job canceled while waiting (its runner never hears of it) from the row it re-reads", async () => {
    const tenant = await createTenant({ parallelLimit: 1 });
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 3 })).body.jobId as string;
    const waiting = call("GET", `/job/${jobId}?wait=30`, { key: tenant.solverKey });
    expect((await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey })).body.status.state).toBe("CANCELED");
    expect((await waiting).body.status.state).toBe("CANCELED");
  });

  it("answers at once without wait, with wait=0, and for a job already over", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 2 })).body.jobId as string;
    expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body.status.state).toBe("WAITING");
    expect((await call("GET", `/job/${jobId}?wait=0`, { key: tenant.solverKey })).body.status.state).toBe("WAITING");
    await dispatch(tenant.accountId);
    await runToEnd(jobId);
    expect((await call("GET", `/job/${jobId}?wait=60`, { key: tenant.solverKey })).body.status.state).toBe("COMPLETED");
  });

  it("refuses a wait that is not a whole number of seconds from 0 to 60 with a problem", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 2 })).body.jobId as string;
    for (const wait of ["61", "-1", "1.5", "soon"]) {
      const response = await call("GET", `/job/${jobId}?wait=${wait}`, { key: tenant.solverKey });
      expect(response.status, wait).toBe(400);
      expect(response.headers.get("content-type"), wait).toMatch(/application\/problem\+json/);
    }
  });
});
