// Switching a flow to a decision flow checks every version for WAIT nodes inside SQLite: a flow's
// versions whole (every designer save is one, up to 1 MiB each) can be past D1's 50 MB result,
// which the local runtime does not enforce, so the directory here does (limitedD1).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { directory } from "../../worker/db/databases";
import type { Env } from "../../worker/env";
import { Problem } from "../../worker/errors";
import { changeType } from "../../worker/rules/service";
import { call, createTenant, publishFlow, type Tenant } from "../helpers/api";
import { limitedD1 } from "../helpers/faults";
import { helloFlow, withWait } from "../helpers/flows";

const limitedEnv = (): Env => ({ ...(env as unknown as Env), DIRECTORY: limitedD1(env.DIRECTORY) });


/** Versions 2 … 61 of the flow, each version 1's definition with a 1,000,000-character description (60 MB together). */
async function addLargeVersions(tenant: Tenant, alias: string) {
  await env.DIRECTORY.prepare(
    `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
     WITH RECURSIVE n(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM n WHERE x < 61)
     SELECT rules.id, x, 'pending', json_set(first.definition, '$.description', replace(hex(zeroblob(500000)), '0', 'x')), x, NULL
     FROM n, rules JOIN rule_versions AS first ON first.rule_id = rules.id AND first.version = 1
     WHERE rules.space_id = ?1 AND rules.alias = ?2`,
  ).bind(tenant.spaceId, alias).run();
  await env.DIRECTORY.prepare("UPDATE rules SET latest_version = 61 WHERE space_id = ? AND alias = ?").bind(tenant.spaceId, alias).run();
}

describe("a flow of 61 versions, 60 MB of definitions", () => {
  it("becomes a decision flow when no version waits", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "large");
    await addLargeVersions(tenant, "large");

    const changed = await changeType(directory(limitedEnv()).orm(), tenant.spaceId, "large", "decision-flow");
    expect(changed).toMatchObject({ alias: "large", type: "decision-flow", latestVersion: 61 });
    expect((await call("GET", "/api/rules/large", { key: tenant.managementKey })).body.type).toBe("decision-flow");
  });

  it("is refused naming each WAIT node of each version (422), and stays an integration flow", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, withWait, "napping");
    await addLargeVersions(tenant, "napping");

    const refused = await changeType(directory(limitedEnv()).orm(), tenant.spaceId, "napping", "decision-flow").then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Problem);
    expect(refused).toMatchObject({ status: 422, type: "rule-type-change-refused" });
    const errors = (refused as Problem).errors!;
    expect(errors).toHaveLength(61);
    expect(errors.slice(0, 2).map((error) => error.path)).toEqual(["versions[1].definition.nodes[nap].type", "versions[2].definition.nodes[nap].type"]);
    expect((await call("GET", "/api/rules/napping", { key: tenant.managementKey })).body.type).toBe("integration-flow");
  });
});
