// Rules and their versions: integration flows, decision flows and decision tables, versioned 1, 2, 3… per rule.
// Every query is scoped by space; a rule of another space is the same "not found" as no rule.
import { and, desc, eq, inArray, or } from "drizzle-orm";
import type { Database } from "../db/databases";
import { rules, ruleVersions } from "../db/directory-schema";
import { BadRequest, Conflict, NotFound, Problem, type FieldError } from "../errors";
import { newId } from "../lib/ids";
import { capOf, roomFor, SpaceLimitReached } from "../tenancy/caps";
import { connectorsAsValidated, knownConnectors } from "../connectors/service";
import { NO_CONNECTORS, NO_RULES, referencedConnectors, referencedRules, type KnownConnectors, type KnownRule, type KnownRules } from "./references";
import { isFlowType, UNSOLVABLE_NODE_TYPE, unsolvableNode, validateDefinition } from "./validate";
import type { RuleType } from "./validate";

export type RuleRow = typeof rules.$inferSelect;
export type VersionRow = typeof ruleVersions.$inferSelect;

export interface NewRule {
  name: string;
  alias?: string;
  type: RuleType;
  definition: unknown;
  publish?: boolean;
}

export async function findRule(db: Database, spaceId: string, ref: string): Promise<RuleRow> {
  const rule = await db.query.rules.findFirst({
    where: and(eq(rules.spaceId, spaceId), or(eq(rules.id, ref), eq(rules.alias, ref))),
  });
  if (!rule) throw new NotFound("rule", ref);
  return rule;
}

/** `latest` is the rule's newest version, published or not (runs resolve theirs through latestPublished). */
export async function findVersion(db: Database, rule: RuleRow, ref: number | "latest"): Promise<VersionRow> {
  const version = ref === "latest" ? rule.latestVersion : ref;
  const row = await db.query.ruleVersions.findFirst({
    where: and(eq(ruleVersions.ruleId, rule.id), eq(ruleVersions.version, version)),
  });
  if (!row) throw new NotFound("rule-version", `${rule.alias ?? rule.id}/${version}`);
  return row;
}

export async function latestPublished(db: Database, rule: RuleRow): Promise<VersionRow | undefined> {
  return db.query.ruleVersions.findFirst({
    where: and(eq(ruleVersions.ruleId, rule.id), eq(ruleVersions.status, "published")),
    orderBy: desc(ruleVersions.version),
  });
}

export async function createRule(db: Database, spaceId: string, input: NewRule) {
  const status = input.publish ? ("published" as const) : ("pending" as const);
  const d1 = db.$client;
  return underConnectorGuard(db, spaceId, input.type, input.definition, async ({ definition, connectors }) => {
    if (input.alias) await assertAliasFree(db, spaceId, input.alias);
    const now = Date.now();
    const id = newId(now);
    let created: D1Result;
    let room: D1Result;
    try {
      // The rule and its first version, both only while the connectors are as validated and the
      // space has room (one batch, one transaction); the count after it tells which one held it back.
      [created, , room] = await d1.batch([
        d1
          .prepare(
            `INSERT INTO rules (id, space_id, name, alias, type, latest_version, created_at, updated_at)
             SELECT ?1, ?2, ?3, ?4, ?5, 1, ?6, ?6 WHERE ${connectorsAsValidated("?2", "?7")} AND ${roomFor("rules", "?2")}`,
          )
          .bind(id, spaceId, input.name, input.alias ?? null, input.type, now, connectors),
        d1
          .prepare(
            `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
             SELECT id, 1, ?2, ?3, ?4, ?5 FROM rules WHERE id = ?1`,
          )
          .bind(id, status, definition, now, input.publish ? now : null),
        d1.prepare(`SELECT ${roomFor("rules", "?1")} AS free, ${capOf("rules", "?1")} AS cap`).bind(spaceId),
      ]);
    } catch (error) {
      // Two creates raced for the same alias: the unique index decided.
      if (input.alias && String(error).includes("UNIQUE")) throw aliasTaken(input.alias);
      throw error;
    }
    const space = room.results[0] as { free: number; cap: number };
    if (created.meta.changes === 0 && !space.free) throw new SpaceLimitReached("rules", space.cap);
    return created.meta.changes === 0 ? null : { ruleId: id, alias: input.alias ?? null, version: 1, status };
  });
}

export async function addVersion(db: Database, spaceId: string, ref: string, input: { definition: unknown; publish?: boolean }) {
  const rule = await findRule(db, spaceId, ref);
  const status = input.publish ? ("published" as const) : ("pending" as const);
  // D1 has no interactive transactions: the version number is taken and used in one atomic batch,
  // so two concurrent saves get 2 and 3, never the same number. The batch adds nothing if the rule's
  // type changed since it was validated (changeType), so no version is ever checked against the wrong
  // type, nor if a connector it names changed (connectorsAsValidated).
  const d1 = db.$client;
  return underConnectorGuard(db, spaceId, rule.type, input.definition, async ({ definition, connectors }) => {
    const now = Date.now();
    const unchanged = `id = ?1 AND type = ?2 AND ${connectorsAsValidated("rules.space_id", "?3")}`;
    const [, inserted, taken] = await d1.batch([
      d1.prepare(`UPDATE rules SET latest_version = latest_version + 1, updated_at = ?4 WHERE ${unchanged}`).bind(rule.id, rule.type, connectors, now),
      d1
        .prepare(
          `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
           SELECT id, latest_version, ?4, ?5, ?6, ?7 FROM rules WHERE ${unchanged}`,
        )
        .bind(rule.id, rule.type, connectors, status, definition, now, input.publish ? now : null),
      d1.prepare("SELECT latest_version AS version, type FROM rules WHERE id = ?").bind(rule.id),
    ]);
    const current = taken.results[0] as { version: number; type: RuleType };
    if (inserted.meta.changes === 0) {
      if (current.type !== rule.type) throw typeChangedMeanwhile(ref);
      return null;
    }
    return { ruleId: rule.id, version: current.version, status };
  });
}

/**
 * Publishes a version. A pending one is validated again first, as a save would validate it now: the
 * tables and connectors it names may have gone (or changed type) since it was saved — a connector
 * named only by pending versions may be deleted — and a published version must run (422
 * invalid-definition, nothing changed).
 */
export async function publishVersion(db: Database, spaceId: string, ref: string, version: number | "latest") {
  const rule = await findRule(db, spaceId, ref);
  const row = await findVersion(db, rule, version);
  if (row.status !== "published") {
    const d1 = db.$client;
    await underConnectorGuard(db, spaceId, rule.type, JSON.parse(row.definition) as unknown, async ({ connectors }) => {
      const published = await d1
        .prepare(
          `UPDATE rule_versions SET status = 'published', published_at = ?4
           WHERE rule_id = ?1 AND version = ?2 AND ${connectorsAsValidated("?5", "?3")}`,
        )
        .bind(rule.id, row.version, connectors, Date.now(), spaceId)
        .run();
      return published.meta.changes === 0 ? null : true;
    });
  }
  return { ruleId: rule.id, version: row.version, status: "published" as const };
}

/**
 * The space's rules, newest first, each with its latest version's number and status and its latest
 * published version — without definitions, in one statement: a space may hold SPACE_CAPS.rules rules
 * of up to a megabyte each, and D1 answers at most 50 MB and 1,000 statements per invocation
 * (GET /api/rules/{rule} has the definition).
 */
export async function listRules(db: Database, spaceId: string) {
  const rows = await db.$client
    .prepare(
      `SELECT rules.id, rules.name, rules.alias, rules.type, rules.latest_version AS latestVersion,
         (SELECT max(published.version) FROM rule_versions AS published
           WHERE published.rule_id = rules.id AND published.status = 'published') AS latestPublishedVersion,
         latest.status, latest.created_at AS createdAt, latest.published_at AS publishedAt
       FROM rules JOIN rule_versions AS latest ON latest.rule_id = rules.id AND latest.version = rules.latest_version
       WHERE rules.space_id = ? ORDER BY rules.id DESC`,
    )
    .bind(spaceId)
    .all<{ id: string; name: string; alias: string | null; type: RuleType; latestVersion: number; latestPublishedVersion: number | null; status: VersionRow["status"]; createdAt: number; publishedAt: number | null }>();
  return rows.results.map((row) => ({
    ruleId: row.id,
    name: row.name,
    alias: row.alias,
    type: row.type,
    latestVersion: row.latestVersion,
    latestPublishedVersion: row.latestPublishedVersion,
    version: row.latestVersion,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
    publishedAt: row.publishedAt === null ? null : new Date(row.publishedAt).toISOString(),
  }));
}

/** Every version of a rule, newest first, without definitions: a designer's every save is a version of up to a megabyte. */
export async function listVersions(db: Database, spaceId: string, ref: string) {
  const rule = await findRule(db, spaceId, ref);
  const rows = await db
    .select({ version: ruleVersions.version, status: ruleVersions.status, createdAt: ruleVersions.createdAt, publishedAt: ruleVersions.publishedAt })
    .from(ruleVersions)
    .where(eq(ruleVersions.ruleId, rule.id))
    .orderBy(desc(ruleVersions.version));
  return rows.map((row) => ({
    version: row.version,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
    publishedAt: row.publishedAt ? new Date(row.publishedAt).toISOString() : null,
  }));
}

export async function describeRule(db: Database, rule: RuleRow, version?: VersionRow) {
  const shown = version ?? (await findVersion(db, rule, rule.latestVersion));
  const published = await latestPublished(db, rule);
  return {
    ruleId: rule.id,
    name: rule.name,
    alias: rule.alias,
    type: rule.type,
    latestVersion: rule.latestVersion,
    latestPublishedVersion: published?.version ?? null,
    version: shown.version,
    status: shown.status,
    definition: JSON.parse(shown.definition) as unknown,
    createdAt: new Date(shown.createdAt).toISOString(),
    publishedAt: shown.publishedAt ? new Date(shown.publishedAt).toISOString() : null,
  };
}

/**
 * Switches a flow between `integration-flow` and `decision-flow` (DESIGN.md §13): their definitions
 * are the same, so only the type changes, once every version is valid for the new type (a decision
 * flow has no WAIT). A decision table has another definition and never switches.
 */
export async function changeType(db: Database, spaceId: string, ref: string, type: RuleType) {
  const rule = await findRule(db, spaceId, ref);
  if (rule.type === type) return describeRule(db, rule);
  if (!isFlowType(rule.type) || !isFlowType(type)) {
    throw new BadRequest(
      "rule-type-not-switchable",
      "Rule type cannot change",
      `Rule '${ref}' is a ${rule.type}; only a flow switches, between integration-flow and decision-flow. A decision table and a flow have different definitions: create a new rule instead.`,
    );
  }
  if (type === "decision-flow") {
    // Every version's WAIT nodes, found inside SQLite: the versions whole could be hundreds of
    // megabytes (every save is a version of up to 1 MiB), past D1's 50 MB result and the isolate's 128 MB.
    const waits = await db.$client
      .prepare(
        `SELECT rule_versions.version, json_extract(node.value, '$.name') AS name
         FROM rule_versions, json_each(rule_versions.definition, '$.nodes') AS node
         WHERE rule_versions.rule_id = ? AND json_extract(node.value, '$.type') = ?
         ORDER BY rule_versions.version, node.key`,
      )
      .bind(rule.id, UNSOLVABLE_NODE_TYPE)
      .all<{ version: number; name: string }>();
    const errors: FieldError[] = waits.results.map((wait) => unsolvableNode(wait.name, `versions[${wait.version}].`));
    if (errors.length > 0) throw new TypeChangeRefused(ref, errors);
  }
  // Conditional on the versions checked: a version saved in between (addVersion) makes this change nothing.
  const changed = await db.$client
    .prepare("UPDATE rules SET type = ?, updated_at = ? WHERE id = ? AND type = ? AND latest_version = ?")
    .bind(type, Date.now(), rule.id, rule.type, rule.latestVersion)
    .run();
  if (changed.meta.changes === 0) throw typeChangedMeanwhile(ref);
  return describeRule(db, await findRule(db, spaceId, rule.id));
}

/** A switch to decision-flow refused: every WAIT node of every version, as `versions[2].definition.nodes[nap].type`. */
export class TypeChangeRefused extends Problem {
  constructor(ref: string, errors: FieldError[]) {
    const first = /^versions\[(\d+)\]\.definition\.nodes\[(.*)\]\.type$/.exec(errors[0].path);
    const example = first ? ` (version ${first[1]} has WAIT node '${first[2]}')` : "";
    super(
      422,
      "rule-type-change-refused",
      "Rule cannot become a decision flow",
      `Rule '${ref}' cannot become a decision flow: ${errors.length} WAIT node(s) in its versions${example}. A decision flow answers within the request and cannot wait; save a version without WAIT first — every version must be valid for the new type.`,
      errors,
    );
  }
}

function typeChangedMeanwhile(ref: string) {
  return new Conflict("rule-changed", "Rule changed meanwhile", `Rule '${ref}' got a new version or type while this request ran; retry it.`);
}

/** What a definition names in the space (rules, connectors), looked up together, for validation to check. */
/** A definition as validated now, and the connectors it was validated against: a JSON object alias → type. */
interface Validated {
  definition: string;
  connectors: string;
}

/**
 * Validates a definition and writes it with `write`, which writes only while the connectors are as
 * validated (connectorsAsValidated) and answers null when they were not. A connector deleted,
 * renamed or retyped in between is then seen by validating again — 422 invalid-definition naming
 * the node, nothing written — and one put back meanwhile is written with.
 */
async function underConnectorGuard<T>(db: Database, spaceId: string, type: RuleType, definition: unknown, write: (validated: Validated) => Promise<T | null>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const [namedRules, namedConnectors] = await namedReferences(db, spaceId, type, definition);
    const parsed = await validateDefinition(type, definition, namedRules, namedConnectors);
    const written = await write({ definition: JSON.stringify(parsed), connectors: JSON.stringify(Object.fromEntries(namedConnectors)) });
    if (written !== null) return written;
    if (attempt === 3) throw new Error(`the connectors of a definition changed under each of ${attempt} writes`);
  }
}

async function namedReferences(db: Database, spaceId: string, type: RuleType, definition: unknown): Promise<[KnownRules, KnownConnectors]> {
  if (!isFlowType(type)) return [NO_RULES, NO_CONNECTORS];
  return Promise.all([namedRules(db, spaceId, type, definition), knownConnectors(db, spaceId, referencedConnectors(definition))]);
}

/** Bound parameters per lookup: D1 allows 100 per statement, and each name is bound twice (id, alias). */
const NAMES_PER_LOOKUP = 45;

/** The space's rules a flow's BUSINESS_RULE nodes name, keyed by id and alias, for validation to check them. */
async function namedRules(db: Database, spaceId: string, type: RuleType, definition: unknown): Promise<KnownRules> {
  return rulesByRef(db, spaceId, isFlowType(type) ? referencedRules(definition) : []);
}

/** The space's rules named (by id or alias) in `names`, keyed by both, in one round trip however many there are. */
export async function rulesByRef(db: Database, spaceId: string, names: readonly string[]): Promise<KnownRules> {
  if (names.length === 0) return NO_RULES;
  const lookups = [];
  for (let start = 0; start < names.length; start += NAMES_PER_LOOKUP) {
    const chunk = names.slice(start, start + NAMES_PER_LOOKUP);
    lookups.push(
      db
        .select({ id: rules.id, alias: rules.alias, type: rules.type, latestVersion: rules.latestVersion })
        .from(rules)
        .where(and(eq(rules.spaceId, spaceId), or(inArray(rules.id, chunk), inArray(rules.alias, chunk)))),
    );
  }
  const found = (await db.batch(lookups as [(typeof lookups)[number], ...typeof lookups])).flat();
  const known = new Map<string, KnownRule>();
  for (const rule of found) {
    known.set(rule.id, rule);
    if (rule.alias) known.set(rule.alias, rule);
  }
  return known;
}

async function assertAliasFree(db: Database, spaceId: string, alias: string) {
  const existing = await db.query.rules.findFirst({
    where: and(eq(rules.spaceId, spaceId), or(eq(rules.alias, alias), eq(rules.id, alias))),
  });
  if (existing) throw aliasTaken(alias);
}

function aliasTaken(alias: string) {
  return new Conflict("alias-taken", "Alias already in use", `The alias '${alias}' is already used by a rule of this space.`);
}

export function notPublished(ref: string, version?: number) {
  return new BadRequest(
    "rule-not-published",
    "Rule version not published",
    version === undefined
      ? `Rule '${ref}' has no published version; publish one first.`
      : `Version ${version} of rule '${ref}' is not published; publish it first.`,
  );
}
