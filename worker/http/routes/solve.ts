// The Rule Solver API of DESIGN.md §13, the synchronous half: a decision table or a decision flow
// solved in the request, for solver and management keys of the rule's space.
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { assertSolveAllowed, chargeSolve } from "../../billing/solve";
import { directory, type Database } from "../../db/databases";
import { DecisionTable } from "../../decisions/table";
import { BadRequest } from "../../errors";
import { sharedDefinition } from "../../flow/plan";
import { findRule, findVersion, latestPublished, notPublished, type RuleRow, type VersionRow } from "../../rules/service";
import { solveFlowInputs } from "../../solve/flow";
import { clockFor } from "../../jobs/clock";
import { SOLVE_STRATEGIES, solveTableInputs, type SolveStrategy } from "../../solve/table";
import { requireKey } from "../auth";
import { router, type AppEnv } from "../context";
import { versionParam, type VersionRef } from "../params";
import { body, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const RuleRef = z.string().min(1).max(128).openapi({ param: { name: "rule", in: "path" }, description: "Rule id or alias" });
// Only a published version is solved, so here `latest` is the latest published one (as in /job/start).
const Version = versionParam("the latest published version (the same as leaving it out)");

const SolveInput = z.record(z.string(), z.unknown()).openapi({ description: "One input: what the table's columns or the flow's `input` see" });
export const SolveRequest = z
  .object({
    data: z.union([SolveInput, z.array(SolveInput)]).openapi({
      description: "One input object, or an array of them (a bulk solve: one result per input, in order)",
    }),
  })
  .openapi("SolveRequest");
export type SolveRequest = z.infer<typeof SolveRequest>;

export const SolveResult = z.array(z.unknown()).openapi("SolveResult", {
  description:
    "Decision table, one input: its result, an array (STANDARD: every matching row's output; FIRST_MATCH: the first matching row's output alone; ARRAY: one object whose output paths hold the lists of the matching rows' values; [] when no row matches). Bulk: one such array per input, in order. Decision flow: [output], or for bulk data [output1, output2, …].",
});

const solveHeaders = z.object({
  "x-correlation-id": z.string().min(1).max(255).optional().openapi({ description: "Echoed in the answer's X-Correlation-Id (a fresh UUID when absent)" }),
  "x-strategy": z
    .enum(SOLVE_STRATEGIES)
    .optional()
    .openapi({ description: "A decision table's strategy, overriding its hitPolicy (a decision flow ignores it)" }),
});

const solveResponses = {
  200: json(SolveResult, "The results (X-Correlation-Id echoed)"),
  ...problemResponses(400, 401, 402, 403, 404, 408, 413, 422),
};

const solveLatest = createRoute({
  method: "post",
  path: "/rule/solve/{rule}",
  summary: "Solve the latest published version of a decision table or decision flow",
  tags: ["Solve"],
  security,
  request: { params: z.object({ rule: RuleRef }), headers: solveHeaders, body: body(SolveRequest) },
  responses: solveResponses,
});

const solveVersion = createRoute({
  method: "post",
  path: "/rule/solve/{rule}/{version}",
  summary: "Solve one published version of a decision table or decision flow",
  tags: ["Solve"],
  security,
  request: { params: z.object({ rule: RuleRef, version: Version }), headers: solveHeaders, body: body(SolveRequest) },
  responses: solveResponses,
});

/** The caller's correlation id on every answer, refusals included (a 200 sets it itself, generated when absent). */
const echoCorrelationId = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const sent = c.req.header("x-correlation-id");
  if (sent && !c.res.headers.has("x-correlation-id")) c.res.headers.set("x-correlation-id", sent);
});

// Anything but `{ data: object | [object, …] }` is the caller's mistake, like malformed JSON: 400.
export const solveApi = router(
  (errors) =>
    new BadRequest(
      "invalid-solve-input",
      "Solve body must be { data: … }",
      'The request body must be a JSON object {"data": {…}} or {"data": [{…}, …]}.',
      errors,
    ),
);
solveApi.use("/rule/*", echoCorrelationId, requireKey("solver", "management"));

for (const route of [solveLatest, solveVersion]) {
  solveApi.openapi(route, async (c) => {
    const params = c.req.valid("param") as { rule: string; version?: VersionRef };
    const headers = c.req.valid("header");
    const { data } = c.req.valid("json");
    const correlationId = headers["x-correlation-id"] ?? crypto.randomUUID();
    const caller = c.var.caller;
    // The quota gate reads the shard while the rule is read from the directory: one round trip fewer.
    const allowed = assertSolveAllowed(c.env, caller);
    allowed.catch(() => {});
    const db = directory(c.env).orm();
    const rule = await findRule(db, caller.spaceId, params.rule);
    if (rule.type === "integration-flow") {
      throw new BadRequest(
        "rule-not-solvable",
        "Rule is not solvable",
        `Rule '${params.rule}' is an integration flow: it runs as a job. Start it with POST /job/start/${params.rule}, or make it a decision flow with PATCH /api/rules/${params.rule}.`,
      );
    }
    const version = await publishedVersion(db, rule, params.rule, params.version ?? "latest");
    const inputs = Array.isArray(data) ? data : [data];
    let results: unknown[];
    if (rule.type === "decision-table") {
      // Parsed as a BUSINESS_RULE parses it (defaults applied); saved tables were validated, so a failure is ours.
      const table = DecisionTable.parse(JSON.parse(version.definition));
      await allowed;
      const strategy: SolveStrategy = headers["x-strategy"] ?? table.hitPolicy;
      // Timed as a job slice is: deployed, the clock moves only on I/O, so a tick after the evaluation
      // lets it show the time computed (performance.now() alone would read ~0 ms there).
      const clock = clockFor(c.env.RUNNER_CLOCK);
      clock.moved();
      const started = clock.now();
      const perInput = await solveTableInputs(table, inputs, strategy, { rule: params.rule, version: version.version, bulk: Array.isArray(data) });
      await clock.tick();
      // One charge per request, of the evaluation alone (the D1 reads around it are not computed time).
      await chargeSolve(c.env, caller, clock.now() - started, c.var.requestId);
      results = Array.isArray(data) ? perInput : perInput[0];
    } else {
      const target = { ruleId: rule.id, alias: rule.alias, version: version.version, definition: sharedDefinition(version.definition) };
      // Gated and charged once for the request, however many inputs.
      results = (await solveFlowInputs(c.env, caller, target, inputs, { correlationId, allowed })).outputs;
    }
    c.header("X-Correlation-Id", correlationId);
    return c.json(results, 200);
  });
}

/** The version a solve names: a published one, `latest` being the latest published. */
async function publishedVersion(db: Database, rule: RuleRow, ref: string, version: VersionRef): Promise<VersionRow> {
  if (version === "latest") {
    const latest = await latestPublished(db, rule);
    if (!latest) throw notPublished(ref);
    return latest;
  }
  const row = await findVersion(db, rule, version);
  if (row.status !== "published") throw notPublished(ref, version);
  return row;
}
