// GET /api/rules and GET /api/rules/{rule}/versions answer in one statement and without definitions: a space may
// hold ten thousand rules of up to a megabyte each, and one invocation gets at most 1,000 D1
// statements and a 50 MB result (DESIGN §12; the local runtime enforces neither, so the test counts
// the statements itself).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { directory } from "../../worker/db/databases";
import type { Env } from "../../worker/env";
import { listRules, listVersions } from "../../worker/rules/service";
import { call, createTenant, publishFlow } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

/** The directory binding, counting the statements prepared on it. */
function countingDirectory() {
  const counted = { statements: 0 };
  const db = new Proxy(env.DIRECTORY, {
    get(target, property) {
      if (property === "prepare") return (query: string) => (counted.statements++, target.prepare(query));
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { counted, env: { ...(env as unknown as Env), DIRECTORY: db } };
}

describe("the rules list", () => {
  it("lists 1,500 rules in one statement, newest first, each with its latest and latest published version", async () => {
    const tenant = await createTenant();
    await env.DIRECTORY.prepare(
      `INSERT INTO rules (id, space_id, name, alias, type, latest_version, created_at, updated_at)
       WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1500)
       SELECT printf('00SEED%s%04d', substr(?1, 11, 16), x), ?1, 'table ' || x, 'table-' || x, 'decision-table', 2, x, x FROM n`,
    ).bind(tenant.spaceId).run();
    // Version 1 published and version 2 a draft for every rule.
    await env.DIRECTORY.prepare(
      `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
       SELECT id, v.version, CASE v.version WHEN 1 THEN 'published' ELSE 'pending' END,
         '{"hitPolicy":"FIRST_MATCH","inputs":[],"outputs":[],"rows":[]}', 1000 + v.version, CASE v.version WHEN 1 THEN 1001 END
       FROM rules, (SELECT 1 AS version UNION ALL SELECT 2) AS v WHERE space_id = ?1`,
    ).bind(tenant.spaceId).run();
    await publishFlow(tenant, helloFlow, "hello");

    const { counted, env: countingEnv } = countingDirectory();
    const items = await listRules(directory(countingEnv).orm(), tenant.spaceId);
    expect(counted.statements).toBe(1);
    expect(items).toHaveLength(1501);
    expect(items[0]).toMatchObject({ alias: "hello", type: "integration-flow", latestVersion: 1, latestPublishedVersion: 1, version: 1, status: "published" });
    expect(items[1]).toEqual({
      ruleId: expect.stringMatching(/^00SEED/),
      name: "table 1500",
      alias: "table-1500",
      type: "decision-table",
      latestVersion: 2,
      latestPublishedVersion: 1,
      version: 2,
      status: "pending",
      createdAt: new Date(1002).toISOString(),
      publishedAt: null,
    });

    const listed = await call("GET", "/api/rules", { key: tenant.managementKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1501);
    expect(listed.body.items.some((rule: object) => "definition" in rule)).toBe(false);
    // The definition is one read away.
    expect((await call("GET", "/api/rules/hello", { key: tenant.managementKey })).body.definition).toEqual(expect.objectContaining({ nodes: expect.any(Array) }));
  });

  it("lists a rule's 300 versions newest first in one statement after the rule's own read, without definitions; another space's rule is 404", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    // Versions 2 … 300, every tenth published, as a designer's saves leave them.
    await env.DIRECTORY.prepare(
      `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
       WITH RECURSIVE n(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM n WHERE x < 300)
       SELECT rules.id, x, CASE WHEN x % 10 = 0 THEN 'published' ELSE 'pending' END, first.definition, x, CASE WHEN x % 10 = 0 THEN x END
       FROM n, rules JOIN rule_versions AS first ON first.rule_id = rules.id AND first.version = 1 WHERE rules.space_id = ?1 AND rules.alias = 'hello'`,
    ).bind(tenant.spaceId).run();
    await env.DIRECTORY.prepare("UPDATE rules SET latest_version = 300 WHERE space_id = ? AND alias = 'hello'").bind(tenant.spaceId).run();

    const { counted, env: countingEnv } = countingDirectory();
    const versions = await listVersions(directory(countingEnv).orm(), tenant.spaceId, "hello");
    expect(counted.statements).toBe(2);
    expect(versions).toHaveLength(300);
    expect(versions.slice(0, 2)).toEqual([
      { version: 300, status: "published", createdAt: new Date(300).toISOString(), publishedAt: new Date(300).toISOString() },
      { version: 299, status: "pending", createdAt: new Date(299).toISOString(), publishedAt: null },
    ]);
    expect(versions.at(-1)).toMatchObject({ version: 1, status: "published" });

    const listed = await call("GET", "/api/rules/hello/versions", { key: tenant.managementKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((version: { version: number }) => version.version)).toEqual(versions.map((version) => version.version));
    expect(listed.body.items.some((version: object) => "definition" in version)).toBe(false);
    const other = await createTenant();
    const hidden = await call("GET", "/api/rules/hello/versions", { key: other.managementKey });
    expect(hidden.status).toBe(404);
    expect(hidden.body.type).toBe("rule-not-found");
  });
});
