// Schedules API: flows of the space started at the times a cron pattern names (worker/schedules).
import { createRoute, z } from "@hono/zod-openapi";
import { createSchedule, deleteSchedule, getSchedule, listSchedules, runScheduleNow, updateSchedule } from "../../schedules/service";
import { requireKey } from "../auth";
import { router } from "../context";
import { body, Job, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const params = z.object({ schedule: z.string().min(1).max(64).openapi({ param: { name: "schedule", in: "path" }, description: "Schedule id" }) });

const fields = {
  name: z.string().min(1).max(200),
  flow: z.string().min(1).max(128).openapi({ description: "An integration flow of the space, by id or alias" }),
  cron: z.string().min(1).max(200).openapi({ description: "Five fields: minute hour day-of-month month day-of-week (e.g. \"0 2 * * *\": 02:00 every day)", example: "0 2 * * *" }),
  timezone: z.string().min(1).max(64).openapi({ description: "The IANA time zone the pattern is read in (default UTC)", example: "Europe/Prague" }),
  input: z.record(z.string(), z.unknown()).openapi({ description: "The input of every job it starts (at most 64 KiB as JSON; default {})" }),
  enabled: z.boolean(),
};

export const NewSchedule = z
  .strictObject({
    ...fields,
    version: z.number().int().min(1).optional().openapi({ description: "A version of the flow; absent: the latest published one at each firing" }),
    timezone: fields.timezone.optional(),
    input: fields.input.optional(),
    enabled: fields.enabled.optional(),
  })
  .openapi("NewSchedule");

export const SchedulePatch = z
  .strictObject({
    name: fields.name.optional(),
    flow: fields.flow.optional(),
    version: z.number().int().min(1).nullable().optional().openapi({ description: "null: the latest published version at each firing" }),
    cron: fields.cron.optional(),
    timezone: fields.timezone.optional(),
    input: fields.input.optional(),
    enabled: fields.enabled.optional(),
  })
  .openapi("SchedulePatch");

export const Schedule = z
  .object({
    id: z.string(),
    name: z.string(),
    flow: z.string(),
    ruleId: z.string(),
    version: z.number().int().nullable(),
    cron: z.string(),
    timezone: z.string(),
    input: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    nextRunAt: z.string().nullable().openapi({ description: "The slot it fires next (null while disabled); fired by the cron pass within a minute of it" }),
    lastRunAt: z.string().nullable().openapi({ description: "The slot it fired last" }),
    lastJobId: z.string().nullable().openapi({ description: "The job its last started firing made" }),
    lastError: z.string().nullable().openapi({ description: "Why its last firing started no job (the trigger's problem), or null" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Schedule");

export const schedulesApi = router();
schedulesApi.use("/api/schedules", requireKey("management"));
schedulesApi.use("/api/schedules/*", requireKey("management"));

schedulesApi.openapi(
  createRoute({
    method: "post",
    path: "/api/schedules",
    summary: "Start a flow at the times a cron pattern names, with a fixed input",
    tags: ["Schedules"],
    security,
    request: { body: body(NewSchedule) },
    responses: { 201: json(Schedule, "Schedule created"), ...problemResponses(401, 403, 422) },
  }),
  async (c) => c.json(await createSchedule(c.env, c.var.caller.spaceId, c.req.valid("json")), 201),
);

schedulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/schedules",
    summary: "List the space's schedules, oldest first",
    tags: ["Schedules"],
    security,
    responses: { 200: json(z.object({ items: z.array(Schedule) }), "The space's schedules"), ...problemResponses(401, 403) },
  }),
  async (c) => c.json({ items: await listSchedules(c.env, c.var.caller.spaceId) }, 200),
);

schedulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/schedules/{schedule}",
    tags: ["Schedules"],
    security,
    request: { params },
    responses: { 200: json(Schedule, "The schedule"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => c.json(await getSchedule(c.env, c.var.caller.spaceId, c.req.valid("param").schedule), 200),
);

schedulesApi.openapi(
  createRoute({
    method: "patch",
    path: "/api/schedules/{schedule}",
    summary: "Change any field; a new pattern or time zone, or enabling, takes the next slot after now",
    tags: ["Schedules"],
    security,
    request: { params, body: body(SchedulePatch) },
    responses: { 200: json(Schedule, "Schedule updated"), ...problemResponses(401, 403, 404, 409, 422) },
  }),
  async (c) => c.json(await updateSchedule(c.env, c.var.caller.spaceId, c.req.valid("param").schedule, c.req.valid("json")), 200),
);

schedulesApi.openapi(
  createRoute({
    method: "delete",
    path: "/api/schedules/{schedule}",
    summary: "Delete a schedule (the jobs it started stay)",
    tags: ["Schedules"],
    security,
    request: { params },
    responses: { 204: { description: "Schedule deleted" }, ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    await deleteSchedule(c.env, c.var.caller.spaceId, c.req.valid("param").schedule);
    return c.body(null, 204);
  },
);

schedulesApi.openapi(
  createRoute({
    method: "post",
    path: "/api/schedules/{schedule}/run",
    summary: "Start the schedule's flow now with its input (a new job each time; its slots are unchanged)",
    tags: ["Schedules"],
    security,
    request: { params },
    responses: { 202: json(Job, "The job started (WAITING), with Location: /job/{jobId}"), ...problemResponses(401, 402, 403, 404) },
  }),
  async (c) => {
    const { job } = await runScheduleNow(c.env, c.var.caller, c.req.valid("param").schedule, (work) => c.executionCtx.waitUntil(work));
    c.header("Location", `/job/${job.jobId}`);
    return c.json(job, 202);
  },
);
