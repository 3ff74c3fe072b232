// The Rule Solver API of DESIGN.md §13, the synchronous half: a decision table or a decision flow
// solved in the request, for solver and management keys of the rule's space.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { chargeSolve, chargeSolveIfCurrent, solveGate } from "../../billing/solve";
import { DecisionTable } from "../../decisions/table";
import { BadRequest } from "../../errors";
import { sharedDefinition } from "../../flow/plan";
import { solveFlowInputs } from "../../solve/flow";
import { rememberedSolveRule, solveRule, type SolveRule } from "../../solve/remembered-rules";
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
    const version = params.version ?? "latest";
    const inputs = Array.isArray(data) ? data : [data];
    const options = { ref: params.rule, bulk: Array.isArray(data), strategy: headers["x-strategy"] };
    // A table this isolate remembers is evaluated at once and answered when its charge, the solve's
    // one statement, finds the gate open and the rule epoch unchanged; otherwise (or should the
    // evaluation fail) the solve goes the long way, which decides with the gate and the current rule.
    const remembered = rememberedSolveRule(caller.spaceId, params.rule, version);
    if (remembered?.rule.type === "decision-table") {
      const evaluated = await evaluateTableRule(c.env, remembered.rule, inputs, options).catch(() => null);
      if (evaluated && (await chargeSolveIfCurrent(c.env, caller, evaluated.ms, c.var.requestId, remembered.epoch))) {
        return answer(c, correlationId, evaluated.results);
      }
    }
    // One statement first: the quota gate and the space's rule epoch, under which the rule is read
    // from what this isolate remembers, or from the directory (then remembered).
    const gate = await solveGate(c.env, caller);
    const rule = await solveRule(c.env, caller.spaceId, params.rule, version, gate.ruleEpoch);
    if (rule.type === "integration-flow") {
      throw new BadRequest(
        "rule-not-solvable",
        "Rule is not solvable",
        `Rule '${params.rule}' is an integration flow: it runs as a job. Start it with POST /job/start/${params.rule}, or make it a decision flow with PATCH /api/rules/${params.rule}.`,
      );
    }
    if (rule.type === "decision-table") {
      if (gate.refusal) throw gate.refusal;
      const evaluated = await evaluateTableRule(c.env, rule, inputs, options);
      await chargeSolve(c.env, caller, evaluated.ms, c.var.requestId);
      return answer(c, correlationId, evaluated.results);
    }
    const target = { ruleId: rule.ruleId, alias: rule.alias, version: rule.version, definition: sharedDefinition(rule.definition) };
    // Gated and charged once for the request, however many inputs.
    return answer(c, correlationId, (await solveFlowInputs(c.env, caller, target, inputs, { correlationId, gate })).outputs);
  });
}

function answer(c: Context<AppEnv>, correlationId: string, results: unknown[]) {
  c.header("X-Correlation-Id", correlationId);
  return c.json(results, 200);
}

/** A table rule's table, parsed once per rule an isolate remembers. */
const parsedTables = new WeakMap<SolveRule, DecisionTable>();

/**
 * Evaluates a decision table rule over the inputs: the results to answer, and the time computed
 * (one charge per request, of the evaluation alone; the D1 round trips around it are not computed time).
 */
async function evaluateTableRule(
  env: AppEnv["Bindings"],
  rule: SolveRule,
  inputs: unknown[],
  options: { ref: string; bulk: boolean; strategy: SolveStrategy | undefined },
): Promise<{ results: unknown[]; ms: number }> {
  let table = parsedTables.get(rule);
  if (!table) {
    // Parsed as a BUSINESS_RULE parses it (defaults applied); saved tables were validated, so a failure is ours.
    table = DecisionTable.parse(JSON.parse(rule.definition));
    parsedTables.set(rule, table);
  }
  // Timed as a job slice is: deployed, the clock moves only on I/O, so a tick after the evaluation
  // lets it show the time computed (performance.now() alone would read ~0 ms there).
  const clock = clockFor(env.RUNNER_CLOCK);
  clock.moved();
  const started = clock.now();
  const perInput = await solveTableInputs(table, inputs, options.strategy ?? table.hitPolicy, { rule: options.ref, version: rule.version, bulk: options.bulk });
  await clock.tick();
  return { results: options.bulk ? perInput : perInput[0], ms: clock.now() - started };
}
