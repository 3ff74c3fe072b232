// What a solve reads of its space's rules, remembered per isolate as a trigger's start target is
// (jobs/start-targets.ts): the rule and version it evaluates, and the decision tables a decision
// flow's BUSINESS_RULE nodes load. A solve reads the space's rule epoch in its quota gate's statement
// (billing/solve.ts) before anything else, and uses what was remembered only under that same epoch;
// what it reads from the directory instead is remembered under the epoch it read first. Every change
// to the space's rules bumps the epoch before it is answered, so a solve after a publish evaluates
// what was published, in any isolate; should a bump fail, a remembered read lives at most a minute.
import { directory, type Database } from "../db/databases";
import { loadPublishedTable, type TableVersion } from "../decisions/store";
import type { Env } from "../env";
import { EpochMemory } from "../lib/remembered";
import { findRule, findVersion, latestPublished, notPublished, type RuleRow } from "../rules/service";

/** The rule and published version a solve evaluates. */
export interface SolveRule {
  ruleId: string;
  alias: string | null;
  type: RuleRow["type"];
  version: number;
  /** The version's definition as stored (JSON text). */
  definition: string;
}

const solveRules = new EpochMemory<SolveRule>();
const tables = new EpochMemory<string>();

/**
 * The rule `ref` (id or alias) of the space and its published `version` (`latest`: the latest
 * published). Refusals (404 rule-not-found, 400 rule-not-published) are thrown and not remembered.
 */
const ruleKey = (spaceId: string, ref: string, version: TableVersion) => `${spaceId}\n${ref}\n${version}`;

export function solveRule(env: Env, spaceId: string, ref: string, version: TableVersion, epoch: number): Promise<SolveRule> {
  return solveRules.get(ruleKey(spaceId, ref, version), epoch, async () => {
    const db = directory(env).orm();
    const rule = await findRule(db, spaceId, ref);
    const row = await publishedVersion(db, rule, ref, version);
    return { ruleId: rule.id, alias: rule.alias, type: rule.type, version: row.version, definition: row.definition };
  });
}

/**
 * The rule this isolate remembers for `ref` and `version`, with the epoch it was read under: what a
 * table solve evaluates before its one statement, which charges it only under that epoch.
 */
export function rememberedSolveRule(spaceId: string, ref: string, version: TableVersion): { rule: SolveRule; epoch: number } | null {
  const known = solveRules.peek(ruleKey(spaceId, ref, version));
  return known && { rule: known.value, epoch: known.epoch };
}

/** A decision table a BUSINESS_RULE of a solve loads, as loadPublishedTable answers it (a fresh copy each call). */
export async function rememberedTable(env: Env, spaceId: string, ref: string, version: TableVersion, epoch: number): Promise<unknown> {
  const text = await tables.get(`${spaceId}\n${ref}\n${version}`, epoch, async () =>
    JSON.stringify(await loadPublishedTable(directory(env).orm(), spaceId, ref, version)),
  );
  return JSON.parse(text) as unknown;
}

/** The version a solve names: a published one, `latest` being the latest published. */
async function publishedVersion(db: Database, rule: RuleRow, ref: string, version: TableVersion) {
  if (version === "latest") {
    const latest = await latestPublished(db, rule);
    if (!latest) throw notPublished(ref);
    return latest;
  }
  const row = await findVersion(db, rule, version);
  if (row.status !== "published") throw notPublished(ref, version);
  return row;
}
