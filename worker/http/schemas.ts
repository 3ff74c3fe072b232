// The API's shared schemas: one schema, one name, used to validate and to generate the OpenAPI
// document. The console imports the inferred types.
import { z } from "@hono/zod-openapi";
import { JOB_STATES, STATUS_CODES } from "../jobs/states";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "quota-exceeded" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    instance: z.string().optional(),
  })
  .openapi("Problem");

export const JobStatus = z
  .object({ state: z.enum(JOB_STATES), code: z.enum(STATUS_CODES), message: z.string() })
  .openapi("JobStatus");

export const RuleReference = z
  .object({ baseId: z.string(), alias: z.string().nullable(), version: z.number().int(), type: z.string() })
  .openapi("RuleReference");

export const LoopProgress = z
  .object({
    node: z.string().openapi({ description: "The id of the loop node (a FOREACH, or a DATABASE_QUERY with a `loop` connection)." }),
    index: z.number().int().nonnegative().openapi({ description: "The index of the iteration in progress, from 0: the item or row the body is on." }),
    length: z.number().int().nonnegative().nullable().openapi({
      description: "How many iterations the loop makes (a FOREACH over `items`, capped by `maxIterations`); null when not known before it ends (a `while` FOREACH, a DATABASE_QUERY).",
    }),
  })
  .openapi("LoopProgress", {
    description:
      "Where the outermost loop in an iteration is, refreshed with `steps` (about every 15 s while the job computes, and whenever it starts a WAIT). " +
      "Null when the job is not in a loop and once it completed; a job that failed, was canceled or timed out keeps the position it stopped at.",
  });

const Progress = z.object({ steps: z.number().int(), currentNode: z.string().nullable(), loop: LoopProgress.nullable() });
const Usage = z.object({ executionMs: z.number().int() });

// The fields a job shows in the list; the Job adds input, output, context and error. Spread as a
// shape (not .extend()), so the OpenAPI document describes each schema flat, with its properties.
const summaryShape = {
  jobId: z.string(),
  correlationId: z.string(),
  ruleReference: RuleReference,
  status: JobStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  claimedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  progress: Progress,
  usage: Usage,
};

export const JobSummary = z.object(summaryShape).openapi("JobSummary");
export type JobSummary = z.infer<typeof JobSummary>;

/** The Job of DESIGN.md §4.2. */
export const Job = z
  .object({
    ...summaryShape,
    inputData: z.record(z.string(), z.unknown()),
    output: z.unknown().nullable(),
    context: z.object({ spaceId: z.string(), usedApiKeyId: z.string() }),
    error: z.object({ node: z.string().nullable(), message: z.string() }).nullable(),
  })
  .openapi("Job");
export type Job = z.infer<typeof Job>;

export const JobEvent = z
  .object({ at: z.string(), state: z.string(), code: z.string(), description: z.string() })
  .openapi("JobEvent");

export const JobDetail = Job.extend({
  events: z.array(JobEvent),
  nodeStates: z.record(z.string(), z.string()),
}).openapi("JobDetail");

export const LogLineSchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    level: z.string(),
    node: z.string().nullable(),
    message: z.string(),
    data: z.unknown().optional(),
  })
  .openapi("LogLine");

/** A start request's body: the job input, any JSON object. */
export const JobInput = z.record(z.string(), z.unknown()).openapi("JobInput");
export type JobInput = z.infer<typeof JobInput>;

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "Problem (RFC 9457)", content: { "application/problem+json": { schema: ProblemSchema } } },
    ]),
  );

/** A JSON response of `schema`, for a route's `responses`. */
export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body of `schema`. */
export const body = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
