// The runner's way to a connector: by alias in the job's space, of the type the node needs, with its
// secret decrypted. Failures a flow author can act on are FlowFailures naming the alias and never the
// secret; a D1 error is left as it is, so the runner treats a passing one as passing.
import { and, eq } from "drizzle-orm";
import { directory } from "../db/databases";
import { connectors } from "../db/directory-schema";
import type { Env } from "../env";
import { FlowFailure } from "../flow/failure";
import { isWrongKey, decryptUnderDeploymentKeys } from "../lib/secret-key";
import { grantedHyperdrive, HyperdriveUnavailable } from "./hyperdrive";
import { ConnectorKeyMissing, decryptConnectorSecret } from "./secrets";
import type { ConnectorType, ResolvedConnector, ResolvedOf } from "./types";

type ConnectorRow = typeof connectors.$inferSelect;

/**
 * A stored connector of `accountId` with its secret decrypted, and its Hyperdrive binding when it names
 * one (HyperdriveUnavailable when the deployment no longer has or grants it). The API's test endpoint
 * uses it too.
 */
export async function decryptConnector(env: Env, accountId: string, row: ConnectorRow): Promise<ResolvedConnector> {
  const owner = { spaceId: row.spaceId, connectorId: row.id };
  const secret = await decryptUnderDeploymentKeys(env, (secretKey) => decryptConnectorSecret(row.secretCiphertext, owner, secretKey));
  const config = JSON.parse(row.config);
  const resolved = { id: row.id, alias: row.alias, type: row.type, config, secret } as ResolvedConnector;
  if (resolved.type === "postgres" && resolved.config.hyperdrive !== undefined) resolved.hyperdrive = grantedHyperdrive(env, accountId, resolved.config.hyperdrive);
  return resolved;
}

export async function resolveConnector<T extends ConnectorType>(env: Env, account: { accountId: string; spaceId: string }, alias: string, type: T): Promise<ResolvedOf<T>> {
  const { spaceId } = account;
  const row = await directory(env)
    .orm()
    .query.connectors.findFirst({ where: and(eq(connectors.spaceId, spaceId), eq(connectors.alias, alias)) });
  if (!row) throw new FlowFailure(`no ${type} connector '${alias}' in this space`);
  if (row.type !== type) throw new FlowFailure(`connector '${alias}' is ${row.type === "http" ? "an" : "a"} ${row.type} connector, not ${type}`);
  try {
    return (await decryptConnector(env, account.accountId, row)) as ResolvedOf<T>;
  } catch (error) {
    if (error instanceof HyperdriveUnavailable) throw new FlowFailure(`connector '${alias}' cannot connect: ${error.message}`, { cause: error });
    if (error instanceof ConnectorKeyMissing) {
      throw new FlowFailure(`connector '${alias}' cannot be read: this deployment's WEBHOOK_SECRET_KEY secret is not set`, { cause: error });
    }
    if (isWrongKey(error)) {
      throw new FlowFailure(`connector '${alias}' cannot be decrypted with this deployment's key (was WEBHOOK_SECRET_KEY changed?); save its secret again`, { cause: error });
    }
    throw error;
  }
}
