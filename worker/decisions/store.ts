// Loads the decision table a BUSINESS_RULE node asks for, from D1, scoped to the job's space: by rule
// id or alias, a published version number or the latest published one. Errors name what to fix.
import { and, desc, eq, or } from "drizzle-orm";
import type { Database } from "../db/databases";
import { rules, ruleVersions } from "../db/directory-schema";
import { FlowFailure } from "../flow/failure";

export type TableVersion = number | "latest";

export async function loadPublishedTable(db: Database, spaceId: string, ref: string, version: TableVersion): Promise<unknown> {
  const rule = await db.query.rules.findFirst({
    where: and(eq(rules.spaceId, spaceId), or(eq(rules.id, ref), eq(rules.alias, ref))),
  });
  if (!rule) throw new FlowFailure(`no decision table '${ref}' in this space (looked up by id and alias)`);
  if (rule.type !== "decision-table") throw new FlowFailure(`rule '${ref}' is an ${rule.type}, not a decision table`);
  const row =
    version === "latest"
      ? await db.query.ruleVersions.findFirst({
          where: and(eq(ruleVersions.ruleId, rule.id), eq(ruleVersions.status, "published")),
          orderBy: desc(ruleVersions.version),
        })
      : await db.query.ruleVersions.findFirst({ where: and(eq(ruleVersions.ruleId, rule.id), eq(ruleVersions.version, version)) });
  if (!row) {
    throw new FlowFailure(
      version === "latest"
        ? `decision table '${ref}' has no published version; publish one first`
        : `decision table '${ref}' has no version ${version} (its latest is ${rule.latestVersion})`,
    );
  }
  if (row.status !== "published") throw new FlowFailure(`version ${version} of decision table '${ref}' is not published; publish it first`);
  return JSON.parse(row.definition) as unknown;
}
