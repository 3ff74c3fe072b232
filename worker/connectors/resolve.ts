// The runner's way to a connector: by alias in the job's space, of the type the node needs, with its
// secret decrypted. Failures a flow author can act on are FlowFailures naming the alias and never the
// secret; a D1 error is left as it is, so the runner treats a passing one as passing.
import { and, eq } from "drizzle-orm";
import { directory } from "../db/databases";
import { connectors } from "../db/directory-schema";
import type { Env } from "../env";
import { FlowFailure } from "../flow/failure";
import { ConnectorKeyMissing, decryptConnectorSecret } from "./secrets";
import type { ConnectorType, ResolvedConnector, ResolvedOf } from "./types";

type ConnectorRow = typeof connectors.$inferSelect;

/** A stored connector with its secret decrypted (the API's test endpoint uses it too). */
export async function decryptConnector(env: Env, row: ConnectorRow): Promise<ResolvedConnector> {
  const secret = await decryptConnectorSecret(row.secretCiphertext, { spaceId: row.spaceId, connectorId: row.id }, env.WEBHOOK_SECRET_KEY);
  return { id: row.id, alias: row.alias, type: row.type, config: JSON.parse(row.config), secret } as ResolvedConnector;
}

export async function resolveConnector<T extends ConnectorType>(env: Env, spaceId: string, alias: string, type: T): Promise<ResolvedOf<T>> {
  const row = await directory(env)
    .orm()
    .query.connectors.findFirst({ where: and(eq(connectors.spaceId, spaceId), eq(connectors.alias, alias)) });
  if (!row) throw new FlowFailure(`no ${type} connector '${alias}' in this space`);
  if (row.type !== type) throw new FlowFailure(`connector '${alias}' is ${row.type === "http" ? "an" : "a"} ${row.type} connector, not ${type}`);
  try {
    return (await decryptConnector(env, row)) as ResolvedOf<T>;
  } catch (error) {
    if (error instanceof ConnectorKeyMissing) {
      throw new FlowFailure(`connector '${alias}' cannot be read: this deployment's WEBHOOK_SECRET_KEY secret is not set`, { cause: error });
    }
    if (error instanceof Error && error.name === "OperationError") {
      throw new FlowFailure(`connector '${alias}' cannot be decrypted with this deployment's key (was WEBHOOK_SECRET_KEY changed?); save its secret again`, { cause: error });
    }
    throw error;
  }
}
