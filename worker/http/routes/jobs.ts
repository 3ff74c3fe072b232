// The Jobs API of DESIGN.md §4.2, wire-compatible with the product it implements: start, read,
// cancel and cancel-all, for solver and management keys of the job's space.
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { directory } from "../../db/databases";
import { BadRequest, Problem } from "../../errors";
import { cancelAllWaiting, cancelJob, getJob, MAX_WAIT_SECONDS, startJob } from "../../jobs/service";
import { findRule, latestPublished, notPublished } from "../../rules/service";
import { requireKey } from "../auth";
import { router, type AppEnv } from "../context";
import type { Context } from "hono";
import { versionParam } from "../params";
import { Job, JobInput, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const JobId = z.string().min(1).max(64).openapi({ param: { name: "jobId", in: "path" } });
const Flow = z.string().min(1).max(128).openapi({ param: { name: "flow", in: "path" }, description: "Rule id or alias" });
// Only a published version can run, so here `latest` is the latest published one.
const Version = versionParam("the latest published version (the same as leaving it out of /job/start)");
const jobResponse = (description: string) => ({ description, content: { "application/json": { schema: Job } } });

/** Refuses a body that is not JSON; its size and depth are bounded by boundedJsonBody (http/json-body.ts). */
const jsonBodyOnly = createMiddleware<AppEnv>(async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the job input as 'Content-Type: application/json'.");
  }
  await next();
});

const startRequest = {
  headers: z.object({
    "idempotency-key": z.string().min(1).max(255).optional(),
    "x-correlation-id": z.string().min(1).max(255).optional(),
  }),
  body: { required: true, content: { "application/json": { schema: JobInput } } },
};
const startResponses = {
  202: jobResponse("Job created and waiting in the queue (Location: /job/{jobId})"),
  200: jobResponse("Idempotency-Key replay: the job the key first created"),
  ...problemResponses(400, 401, 402, 403, 404, 409, 413, 415),
};

const startLatest = createRoute({
  method: "post",
  path: "/job/start/{flow}",
  summary: "Start a job of the latest published version of a flow",
  tags: ["Jobs"],
  security,
  middleware: [jsonBodyOnly] as const,
  request: { params: z.object({ flow: Flow }), ...startRequest },
  responses: startResponses,
});

const startVersion = createRoute({
  method: "post",
  path: "/job/start/{flow}/{version}",
  summary: "Start a job of one published version of a flow",
  tags: ["Jobs"],
  security,
  middleware: [jsonBodyOnly] as const,
  request: { params: z.object({ flow: Flow, version: Version }), ...startRequest },
  responses: startResponses,
});

// The console's test bench: a job of any version of a flow, published or not (management key). It is a
// job like any other (queued, billed, listed); only the published check of /job/start is skipped.
const testRunRoute = createRoute({
  method: "post",
  path: "/api/rules/{flow}/versions/{version}/jobs",
  summary: "Start a test job of a flow version, published or not (the console's test bench)",
  tags: ["Jobs"],
  security,
  middleware: [requireKey("management"), jsonBodyOnly] as const,
  request: { params: z.object({ flow: Flow, version: z.coerce.number().int().min(1).openapi({ param: { name: "version", in: "path" } }) }), ...startRequest },
  responses: startResponses,
});

const getRoute = createRoute({
  method: "get",
  path: "/job/{jobId}",
  summary: "Read a job",
  description:
    "With `wait=N`, the answer comes once the job is COMPLETED, ERROR or CANCELED, or after N seconds (at most 60), whichever is first: a client learns of the end without polling.",
  tags: ["Jobs"],
  security,
  request: {
    params: z.object({ jobId: JobId }),
    query: z.object({
      wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).optional().openapi({ param: { name: "wait", in: "query" }, description: "Seconds to wait for the job's end (0–60)" }),
    }),
  },
  responses: { 200: jobResponse("The job"), ...problemResponses(401, 404) },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/job/cancel/{jobId}",
  summary: "Cancel a job (CANCELED if it was waiting, CANCELING if it was running)",
  tags: ["Jobs"],
  security,
  request: { params: z.object({ jobId: JobId }) },
  responses: { 200: jobResponse("The job after the request"), ...problemResponses(401, 404, 409) },
});

const Canceled = z.object({ canceled: z.number().int() }).openapi("CancelAllResult");

const cancelSpaceRoute = createRoute({
  method: "post",
  path: "/job/cancelAll/space/{spaceId}",
  summary: "Cancel every waiting job of the space",
  tags: ["Jobs"],
  security,
  request: { params: z.object({ spaceId: z.string().openapi({ param: { name: "spaceId", in: "path" } }) }) },
  responses: {
    200: { description: "How many jobs were canceled", content: { "application/json": { schema: Canceled } } },
    ...problemResponses(401, 404),
  },
});

const cancelRuleRoute = createRoute({
  method: "post",
  path: "/job/cancelAll/rule/{flow}/{version}",
  summary: "Cancel every waiting job of one flow version",
  tags: ["Jobs"],
  security,
  request: { params: z.object({ flow: Flow, version: Version }) },
  responses: {
    200: { description: "How many jobs were canceled", content: { "application/json": { schema: Canceled } } },
    ...problemResponses(400, 401, 404),
  },
});

// The contract answers a start body that is JSON but not an object with 400, like malformed JSON.
export const jobsApi = router(
  (errors) =>
    new BadRequest("invalid-input", "Job input must be a JSON object", "The request body must be a JSON object, e.g. {}.", errors),
);
jobsApi.use("/job/*", requireKey("solver", "management"));

/** Starts the job a start route names and answers it: 202 with Location, or 200 for an Idempotency-Key replay. */
async function answerStart(c: Context<AppEnv>, target: { flow: string; version?: number; unpublished?: boolean }, input: Record<string, unknown>, headers: { "idempotency-key"?: string; "x-correlation-id"?: string }) {
  const { job, replayed } = await startJob(c.env, c.var.caller, {
    ...target,
    input,
    idempotencyKey: headers["idempotency-key"],
    correlationId: headers["x-correlation-id"],
  }, (work) => c.executionCtx.waitUntil(work));
  c.header("Location", `/job/${job.jobId}`);
  return replayed ? c.json(job, 200) : c.json(job, 202);
}

for (const route of [startLatest, startVersion]) {
  jobsApi.openapi(route, async (c) => {
    const params = c.req.valid("param") as { flow: string; version?: number | "latest" };
    const version = params.version === "latest" ? undefined : params.version;
    return answerStart(c, { flow: params.flow, version }, c.req.valid("json"), c.req.valid("header"));
  });
}

jobsApi.openapi(testRunRoute, async (c) => {
  const { flow, version } = c.req.valid("param");
  return answerStart(c, { flow, version, unpublished: true }, c.req.valid("json"), c.req.valid("header"));
});

jobsApi.openapi(getRoute, async (c) => c.json(await getJob(c.env, c.var.caller, c.req.valid("param").jobId, c.req.valid("query").wait), 200));

jobsApi.openapi(cancelRoute, async (c) => c.json(await cancelJob(c.env, c.var.caller, c.req.valid("param").jobId), 200));

jobsApi.openapi(cancelSpaceRoute, async (c) => {
  const { spaceId } = c.req.valid("param");
  // A key only reaches its own space: another space's id is "not found", never "forbidden".
  if (spaceId !== c.var.caller.spaceId) throw new Problem(404, "space-not-found", "Space not found", `No space '${spaceId}'.`);
  return c.json({ canceled: await cancelAllWaiting(c.env, c.var.caller, null) }, 200);
});

jobsApi.openapi(cancelRuleRoute, async (c) => {
  const { flow, version } = c.req.valid("param");
  const db = directory(c.env).orm();
  const rule = await findRule(db, c.var.caller.spaceId, flow);
  const number = version === "latest" ? (await latestPublished(db, rule))?.version : version;
  if (number === undefined) throw notPublished(flow);
  return c.json({ canceled: await cancelAllWaiting(c.env, c.var.caller, { ruleId: rule.id, version: number }) }, 200);
});
