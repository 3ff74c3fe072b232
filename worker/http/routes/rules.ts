// Rules API (DESIGN.md §4.3): author integration flows, decision flows and decision tables, version
// and publish them; switch a flow between the two flow types (§13).
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { directory, jobShard } from "../../db/databases";
import { bumpRuleEpoch } from "../../jobs/start-targets";
import {
  addVersion,
  changeType,
  createRule,
  describeRule,
  findRule,
  findVersion,
  listRules,
  listVersions,
  publishVersion,
} from "../../rules/service";
import { RULE_TYPES } from "../../rules/validate";
import { requireKey } from "../auth";
import { router, type AppEnv } from "../context";
import { versionParam } from "../params";
import { registerRuleDefinitions, RuleDefinition } from "../rule-definitions";
import { body, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const RuleRef = z.string().min(1).max(128).openapi({ param: { name: "rule", in: "path" }, description: "Rule id or alias" });
// Authoring sees every version, so here `latest` is the newest one, as in GET /api/rules/{rule}.
const Version = versionParam("the rule's newest version, published or not (its latestVersion)");

export const NewRule = z
  .object({
    name: z.string().min(1).max(200),
    alias: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, '-' and '_', at most 64")
      .optional(),
    type: z.enum(RULE_TYPES),
    definition: RuleDefinition,
    publish: z.boolean().optional(),
  })
  .openapi("NewRule");
export type NewRule = z.infer<typeof NewRule>;

export const RuleTypeChange = z
  .object({
    type: z.enum(RULE_TYPES).openapi({
      description: "`integration-flow` or `decision-flow` for a flow (every version must be valid for it: a decision flow has no WAIT); a decision table keeps its type",
    }),
  })
  .openapi("RuleTypeChange");
export type RuleTypeChange = z.infer<typeof RuleTypeChange>;

export const NewVersion = z.object({ definition: RuleDefinition, publish: z.boolean().optional() }).openapi("NewVersion");

const VersionStatus = z.enum(["pending", "published"]);
const CreatedRule = z
  .object({ ruleId: z.string(), alias: z.string().nullable(), version: z.number(), status: VersionStatus })
  .openapi("CreatedRule");
const CreatedVersion = z.object({ ruleId: z.string(), version: z.number(), status: VersionStatus }).openapi("CreatedVersion");
export const Rule = z
  .object({
    ruleId: z.string(),
    name: z.string(),
    alias: z.string().nullable(),
    type: z.enum(RULE_TYPES),
    latestVersion: z.number(),
    latestPublishedVersion: z.number().nullable(),
    version: z.number(),
    status: VersionStatus,
    definition: RuleDefinition,
    createdAt: z.string(),
    publishedAt: z.string().nullable(),
  })
  .openapi("Rule");
/** A rule as the list shows it: everything but the definition (a space's definitions may add up to a gigabyte). */
export const RuleSummary = Rule.omit({ definition: true }).openapi("RuleSummary");
/** A version as a rule's version list shows it: no definition (GET /api/rules/{rule}/versions/{version} has it). */
export const RuleVersionSummary = z
  .object({ version: z.number(), status: VersionStatus, createdAt: z.string(), publishedAt: z.string().nullable() })
  .openapi("RuleVersionSummary");

export const rulesApi = router();
registerRuleDefinitions(rulesApi.openAPIRegistry);
rulesApi.use("/api/rules", requireKey("management"));
rulesApi.use("/api/rules/*", requireKey("management"));
// Every change to the space's rules bumps its rule epoch before it is answered, so no trigger in any
// isolate starts a version the change superseded (jobs/start-targets.ts). The test-run route under
// /api/rules/*/jobs starts a job and changes no rule.
const bumpsRuleEpoch = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method === "GET" || c.res.status >= 400 || c.req.path.endsWith("/jobs")) return;
  await bumpRuleEpoch(jobShard(c.env, c.var.caller.shard), c.var.caller.spaceId);
});
rulesApi.use("/api/rules", bumpsRuleEpoch);
rulesApi.use("/api/rules/*", bumpsRuleEpoch);

rulesApi.openapi(
  createRoute({
    method: "post",
    path: "/api/rules",
    tags: ["Rules"],
    security,
    request: { body: body(NewRule) },
    responses: { 201: json(CreatedRule, "Rule created with version 1"), ...problemResponses(401, 409, 422) },
  }),
  async (c) => c.json(await createRule(directory(c.env).orm(), c.var.caller.spaceId, c.req.valid("json")), 201),
);

rulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/rules",
    tags: ["Rules"],
    security,
    responses: { 200: json(z.object({ items: z.array(RuleSummary) }), "The space's rules, newest first, with their latest version's number and status (no definitions: GET /api/rules/{rule} has one)") },
  }),
  async (c) => c.json({ items: await listRules(directory(c.env).orm(), c.var.caller.spaceId) }, 200),
);

rulesApi.openapi(
  createRoute({
    method: "post",
    path: "/api/rules/{rule}/versions",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef }), body: body(NewVersion) },
    responses: { 201: json(CreatedVersion, "Version created"), ...problemResponses(401, 404, 422) },
  }),
  async (c) =>
    c.json(await addVersion(directory(c.env).orm(), c.var.caller.spaceId, c.req.valid("param").rule, c.req.valid("json")), 201),
);

rulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/rules/{rule}/versions",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef }) },
    responses: {
      200: json(z.object({ items: z.array(RuleVersionSummary) }), "Every version of the rule, newest first, without definitions (one statement whatever their number)"),
      ...problemResponses(401, 404),
    },
  }),
  async (c) => c.json({ items: await listVersions(directory(c.env).orm(), c.var.caller.spaceId, c.req.valid("param").rule) }, 200),
);

rulesApi.openapi(
  createRoute({
    method: "post",
    path: "/api/rules/{rule}/versions/{version}/publish",
    description:
      "A pending version is validated again first, as saving it now would be: 422 invalid-definition when a table or connector it names is gone (nothing changes).",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef, version: Version }) },
    responses: { 200: json(CreatedVersion, "Version published"), ...problemResponses(401, 404, 422) },
  }),
  async (c) => {
    const { rule, version } = c.req.valid("param");
    return c.json(await publishVersion(directory(c.env).orm(), c.var.caller.spaceId, rule, version), 200);
  },
);

rulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/rules/{rule}",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef }) },
    responses: { 200: json(Rule, "The rule with its latest version"), ...problemResponses(401, 404) },
  }),
  async (c) => {
    const db = directory(c.env).orm();
    return c.json(await describeRule(db, await findRule(db, c.var.caller.spaceId, c.req.valid("param").rule)), 200);
  },
);

rulesApi.openapi(
  createRoute({
    method: "patch",
    path: "/api/rules/{rule}",
    summary: "Switch a flow between integration-flow (jobs) and decision-flow (solved in the request)",
    description:
      "Only the type changes; the versions stay as they are. 400 rule-type-not-switchable for a decision table (or a flow to decision-table); 422 rule-type-change-refused, one `errors` entry per WAIT node of any version (`versions[2].definition.nodes[nap].type`), for a flow that cannot become a decision flow; 409 rule-changed if a version was saved meanwhile.",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef }), body: body(RuleTypeChange) },
    responses: { 200: json(Rule, "The rule with its latest version, as GET /api/rules/{rule} answers"), ...problemResponses(400, 401, 404, 409, 422) },
  }),
  async (c) =>
    c.json(await changeType(directory(c.env).orm(), c.var.caller.spaceId, c.req.valid("param").rule, c.req.valid("json").type), 200),
);

rulesApi.openapi(
  createRoute({
    method: "get",
    path: "/api/rules/{rule}/versions/{version}",
    tags: ["Rules"],
    security,
    request: { params: z.object({ rule: RuleRef, version: Version }) },
    responses: { 200: json(Rule, "One version of the rule"), ...problemResponses(401, 404) },
  }),
  async (c) => {
    const db = directory(c.env).orm();
    const { rule: ref, version } = c.req.valid("param");
    const rule = await findRule(db, c.var.caller.spaceId, ref);
    return c.json(await describeRule(db, rule, await findVersion(db, rule, version)), 200);
  },
);
