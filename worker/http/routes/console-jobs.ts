// Console / management API for jobs (DESIGN.md §4.3): the list with filters and keyset paging,
// one job with its timeline and node states, and its logs.
import { createRoute, z } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import { streamSSE } from "hono/streaming";
import { directory, jobShard } from "../../db/databases";
import { runnerFor } from "../../jobs/dispatcher";
import { countJobs, jobEvents, listJobs } from "../../jobs/list";
import { streamJob } from "../../jobs/live";
import { NODE_STATES } from "../../flow/node-states";
import type { RunnerSnapshot } from "../../jobs/runner";
import type { LogPage } from "../../jobs/runner-storage";
import { loadJobRow } from "../../jobs/service";
import { JOB_STATES } from "../../jobs/states";
import { jobView } from "../../jobs/view";
import { findSpace, getAccount } from "../../tenancy/service";
import { requireKey } from "../auth";
import { router } from "../context";
import { JobDetail, JobSummary, json, LogLineSchema, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const JobId = z.string().min(1).max(64).openapi({ param: { name: "jobId", in: "path" } });
const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "must be an ISO-8601 time")
  .transform((value) => Date.parse(value));

export const JobListQuery = z.object({
  state: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(",") : undefined))
    .pipe(z.array(z.enum(JOB_STATES)).optional()),
  flow: z.string().min(1).optional(),
  version: z.coerce.number().int().positive().optional(),
  q: z.string().min(1).max(255).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  cursor: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Counts stop here (then `more: true`): the chips say "1,000+" rather than scan a huge space. */
export const COUNT_CAP = 1000;
const StateCount = z.object({ count: z.number().int(), more: z.boolean() });
export const JobCounts = z
  .object({
    counts: z.object(Object.fromEntries(JOB_STATES.map((state) => [state, StateCount])) as Record<(typeof JOB_STATES)[number], typeof StateCount>),
    cap: z.number().int(),
  })
  .openapi("JobCounts");

/** The job with the flow's picture: what each node did, and how often the ones that ran in loops ran. */
export const JobWithNodes = JobDetail.extend({
  nodeStates: z.record(z.string(), z.enum(NODE_STATES)).openapi({
    description:
      "Per node id: done (ran, in any iteration), running (only while the job runs), pending (has not run), skipped (its branch was not taken), " +
      "error (failed, or was running when the job failed), canceled (was running when the job was canceled). Empty before the job's first slice.",
  }),
  nodeRuns: z.record(z.string(), z.number().int().positive()).openapi({
    description: "Per node id, how many times it finished (a node in a loop body: once per iteration it ran in); nodes that never finished are absent.",
  }),
});

export const JobPage = z.object({ items: z.array(JobSummary), nextCursor: z.string().nullable() }).openapi("JobPage");
const LogPage = z.object({ items: z.array(LogLineSchema), next: z.number().int().nullable() }).openapi("LogPage");
const Me = z
  .object({
    account: z.object({ id: z.string(), name: z.string(), parallelLimit: z.number(), payAsYouGo: z.boolean() }),
    space: z.object({ id: z.string(), name: z.string() }),
    key: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  })
  .openapi("Me");

export const consoleJobsApi = router();
consoleJobsApi.use("/api/me", requireKey("management"));
consoleJobsApi.use("/api/jobs", requireKey("management"));
consoleJobsApi.use("/api/jobs/*", requireKey("management"));
// The console polls the list and the counts; an unchanged answer is 304 to If-None-Match.
consoleJobsApi.use("/api/jobs", etag());
consoleJobsApi.use("/api/jobs/counts", etag());

consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/me",
    tags: ["Console"],
    security,
    responses: { 200: json(Me, "Who the key belongs to"), ...problemResponses(401, 403) },
  }),
  async (c) => {
    const caller = c.var.caller;
    const [account, space] = await Promise.all([getAccount(c.env, caller.accountId), findSpace(directory(c.env).orm(), caller.spaceId)]);
    const { id, name, parallelLimit, payAsYouGo } = account;
    return c.json(
      {
        account: { id, name, parallelLimit, payAsYouGo },
        space: { id: space.id, name: space.name },
        key: { id: caller.keyId, name: caller.keyName, kind: caller.kind },
      },
      200,
    );
  },
);

consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/jobs",
    summary: "List the space's jobs, newest first",
    tags: ["Console"],
    security,
    request: { query: JobListQuery },
    responses: { 200: json(JobPage, "A page of jobs"), ...problemResponses(400, 401, 404) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    return c.json(await listJobs(c.env, c.var.caller, { ...query, states: query.state }), 200);
  },
);

// Before /api/jobs/{jobId}, which would otherwise take "counts" for a job id.
consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/jobs/counts",
    summary: "How many jobs are in each state, under the list's flow, search and time filters",
    tags: ["Console"],
    security,
    request: { query: JobListQuery.pick({ flow: true, version: true, q: true, from: true, to: true }) },
    responses: { 200: json(JobCounts, "Counts per state, each up to `cap`"), ...problemResponses(400, 401, 404) },
  }),
  async (c) => {
    const counts = await countJobs(c.env, c.var.caller, c.req.valid("query"), COUNT_CAP);
    return c.json({ counts, cap: COUNT_CAP }, 200);
  },
);

consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/jobs/{jobId}",
    summary: "One job with its timeline and the state of each flow node",
    tags: ["Console"],
    security,
    request: { params: z.object({ jobId: JobId }) },
    responses: { 200: json(JobWithNodes, "The job"), ...problemResponses(401, 404) },
  }),
  async (c) => {
    const shard = jobShard(c.env, c.var.caller.shard);
    const row = await loadJobRow(c.env, shard, c.var.caller.spaceId, c.req.valid("param").jobId);
    const events = await jobEvents(shard, row.id);
    // A job that never claimed a slot has no runner; do not create one just to ask.
    const snapshot: RunnerSnapshot | null = row.claimed_at === null ? null : await runnerFor(c.env, row.id).snapshot();
    return c.json({ ...jobView(row), events, nodeStates: snapshot?.nodeStates ?? {}, nodeRuns: snapshot?.nodeRuns ?? {} }, 200);
  },
);

consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/jobs/{jobId}/logs",
    summary: "The job's log lines, oldest first",
    tags: ["Console"],
    security,
    request: {
      params: z.object({ jobId: JobId }),
      query: z.object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
    },
    responses: { 200: json(LogPage, "A page of log lines"), ...problemResponses(400, 401, 404) },
  }),
  async (c) => {
    const row = await loadJobRow(c.env, jobShard(c.env, c.var.caller.shard), c.var.caller.spaceId, c.req.valid("param").jobId);
    const { after, limit } = c.req.valid("query");
    if (row.claimed_at === null) return c.json({ items: [], next: null }, 200);
    const page: LogPage = await runnerFor(c.env, row.id).logs(after, limit);
    return c.json(page, 200);
  },
);

consoleJobsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/jobs/{jobId}/live",
    summary: "Live updates of one job (Server-Sent Events: job, nodes, logs, end)",
    tags: ["Console"],
    security,
    request: {
      params: z.object({ jobId: JobId }),
      query: z.object({ afterLog: z.coerce.number().int().min(0).default(0) }),
    },
    responses: {
      200: { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } },
      ...problemResponses(401, 404),
    },
  }),
  async (c) => {
    const { jobId } = c.req.valid("param");
    // Resolve the job first, so another space's job is a plain 404 rather than a stream.
    const shard = jobShard(c.env, c.var.caller.shard);
    await loadJobRow(c.env, shard, c.var.caller.spaceId, jobId);
    return streamSSE(c, (stream) => streamJob(c.env, shard, c.var.caller.spaceId, jobId, stream, c.req.valid("query").afterLog));
  },
);
