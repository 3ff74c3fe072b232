// Shared by the solve tests: the caller a route hands solveFlow for a tenant's solver key, and
// decision flows given as definitions (the `decision-flow` rule type is saved through the API by
// issue 16's other half; solveFlow takes the definition the route loaded).
import { expect } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import type { Caller } from "../../worker/keys/keys";
import { call, type Tenant } from "../helpers/api";

export function callerOf(tenant: Tenant): Caller {
  return { keyId: "key-of-test", keyName: "ci", kind: "solver", spaceId: tenant.spaceId, accountId: tenant.accountId, shard: tenant.shard };
}

export function target(definition: unknown, alias = "decide") {
  return { ruleId: `rule-${alias}`, alias, version: 1, definition: FlowDefinition.parse(definition) };
}

/** START → ASSIGN → END: a decision flow with nothing to wait on. */
export const tinyFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "double", type: "ASSIGN", name: "double", data: { vars: { twice: "input.n * 2" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'twice': vars.twice }" } },
  ],
  connections: [
    { source: "start", target: "double" },
    { source: "double", target: "end" },
  ],
};

export async function usage(tenant: Tenant) {
  const response = await call("GET", "/api/usage", { key: tenant.managementKey });
  expect(response.status).toBe(200);
  return response.body;
}

export async function verify(tenant: Tenant) {
  const response = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
  expect(response.status).toBe(200);
  return response.body;
}
