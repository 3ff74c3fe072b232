// Usage and billing (DESIGN.md §4.3, §5): the period's counters with breakdowns, the pay-as-you-go
// switch, and the drift check that recomputes the counters from the ledger.
import { createRoute, z } from "@hono/zod-openapi";
import { usageDrift, usageReport } from "../../billing/usage";
import { PERIOD_PATTERN, periodOf } from "../../billing/periods";
import { directory, jobShard } from "../../db/databases";
import { setPayAsYouGo } from "../../tenancy/service";
import { requireKey } from "../auth";
import { router } from "../context";
import { json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const PeriodQuery = z.object({
  period: z.string().regex(PERIOD_PATTERN, "a month as YYYY-MM").optional().openapi({ example: "2026-11" }),
});

const Breakdown = {
  usedSeconds: z.number(),
  freeUsedSeconds: z.number(),
  overageSeconds: z.number(),
  unbilledSeconds: z.number(),
  /** Of usedSeconds, the milliseconds solves computed (POST /rule/solve), charged like job slices. */
  solveMs: z.number().int().openapi({ description: "Of usedSeconds, the milliseconds that solves (POST /rule/solve) computed." }),
};
export const Usage = z
  .object({
    period: z.object({ start: z.string(), end: z.string() }),
    freeSeconds: z.number(),
    ...Breakdown,
    payAsYouGo: z.boolean(),
    pricePerSecond: z.number(),
    estimatedCost: z.number(),
    bySpace: z.array(z.object({ spaceId: z.string(), name: z.string(), ...Breakdown })),
    daily: z.array(z.object({ day: z.string(), ...Breakdown })),
  })
  .openapi("Usage");
export type Usage = z.infer<typeof Usage>;

export const BillingSettings = z.object({ payAsYouGo: z.boolean() }).openapi("BillingSettings");

const Drift = z
  .object({
    period: z.string(),
    usedMs: z.number(),
    ledgerMs: z.number(),
    drift: z.array(z.object({ field: z.string(), ledgerMs: z.number(), countersMs: z.number() })),
    jobMismatches: z.array(z.object({ jobId: z.string(), executionMs: z.number(), chargedMs: z.number() })),
  })
  .openapi("UsageDrift");

export const usageApi = router();
usageApi.use("/api/usage", requireKey("management"));
usageApi.use("/api/usage/*", requireKey("management"));
usageApi.use("/api/billing", requireKey("management"));

usageApi.openapi(
  createRoute({
    method: "get",
    path: "/api/usage",
    summary: "The account's job seconds this period (or ?period=YYYY-MM)",
    tags: ["Usage"],
    security,
    request: { query: PeriodQuery },
    responses: { 200: json(Usage, "Usage of the period"), ...problemResponses(400, 401) },
  }),
  async (c) => {
    const period = c.req.valid("query").period ?? periodOf(Date.now());
    return c.json(await usageReport(jobShard(c.env, c.var.caller.shard), directory(c.env), c.var.caller.accountId, period), 200);
  },
);

usageApi.openapi(
  createRoute({
    method: "get",
    path: "/api/usage/verify",
    summary: "Recompute the period's counters from the ledger and report drift",
    tags: ["Usage"],
    security,
    request: { query: PeriodQuery },
    responses: { 200: json(Drift, "Drift report (empty lists when exact)"), ...problemResponses(400, 401) },
  }),
  async (c) => {
    const period = c.req.valid("query").period ?? periodOf(Date.now());
    return c.json(await usageDrift(jobShard(c.env, c.var.caller.shard), c.var.caller.accountId, period), 200);
  },
);

usageApi.openapi(
  createRoute({
    method: "put",
    path: "/api/billing",
    summary: "Switch pay-as-you-go on or off for the account",
    tags: ["Usage"],
    security,
    request: { body: { required: true, content: { "application/json": { schema: BillingSettings } } } },
    responses: { 200: json(BillingSettings, "The account's billing settings"), ...problemResponses(401, 422) },
  }),
  async (c) => {
    const { payAsYouGo } = c.req.valid("json");
    await setPayAsYouGo(jobShard(c.env, c.var.caller.shard), c.var.caller.accountId, payAsYouGo);
    return c.json({ payAsYouGo }, 200);
  },
);
