// Postgres connectors through Hyperdrive. A Hyperdrive binding is part of a deployment, not of a
// space: the operator adds it to wrangler.toml and says in HYPERDRIVE_GRANTS which accounts may name
// it (README, "Connectors"), so no space can reach another tenant's database by guessing a name.
import { hyperdriveBinding } from "../db/databases";
import type { Env } from "../env";

/** The binding cannot be used by this account: `message` says why, for a 422 or a job's error. */
export class HyperdriveUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HyperdriveUnavailable";
  }
}

/** HYPERDRIVE_GRANTS: `{ "<binding>": "*" | ["<accountId>", …] }`; unset or unreadable grants nothing. */
function grants(env: Env): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(env.HYPERDRIVE_GRANTS ?? "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The binding `name`, if this deployment has it and grants it to `accountId`; HyperdriveUnavailable otherwise. */
export function grantedHyperdrive(env: Env, accountId: string, name: string): Hyperdrive {
  const binding = hyperdriveBinding(env, name);
  const granted = grants(env)[name];
  if (!binding) throw new HyperdriveUnavailable(`this deployment has no Hyperdrive binding '${name}'`);
  if (granted !== "*" && !(Array.isArray(granted) && granted.includes(accountId))) {
    throw new HyperdriveUnavailable(`the Hyperdrive binding '${name}' is not granted to this account (HYPERDRIVE_GRANTS)`);
  }
  return binding;
}
