// Cancel reaches a REST_API call in flight: the runner aborts it, and the job is CANCELED at once
// even though the remote never answers.
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, jobState, runAlarm, runToEnd } from "../helpers/drive";
import { apiUrl, receivedCount, restFlow } from "./helpers";

describe("cancel during a REST_API call", () => {
  it("aborts a call that never answers and ends the job CANCELED within about a second", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("hang");
    await publishFlow(tenant, restFlow({ url: `'${url}'`, timeoutMs: 60_000, retries: 3 }), "hanging");
    const jobId = (await trigger(tenant, "hanging")).body.jobId;
    await dispatch(tenant.accountId);

    // The slice blocks in the REST call until something aborts it.
    const slice = runAlarm(jobId);
    for (let polls = 0; (await receivedCount(name)) === 0; polls++) {
      if (polls > 200) throw new Error("the REST call never reached the server");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await jobState(jobId)).toBe("RUNNING");

    const canceledAt = Date.now();
    const response = await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(response.status).toBe(200);
    await slice;
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");
    expect(Date.now() - canceledAt).toBeLessThan(1500);

    const job = await getJob(tenant, jobId);
    expect(job.status.code).toBe("JOB_USER_CANCELED");
    // Canceled, not retried: the server saw one request.
    expect(await receivedCount(name)).toBe(1);
  });
});
