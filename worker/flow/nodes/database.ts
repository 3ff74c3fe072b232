// What the DATABASE_QUERY, DATABASE_ROW and DATABASE_EXECUTE nodes share: their common data fields,
// the bound parameters, the connector they name, and the attempt loop. Passing failures (a dropped
// connection, a serialization failure, a deadlock, the timeout) are retried `retries` times with
// exponential backoff, like REST_API; a cancel of the job aborts the statement in flight.
import { z } from "zod";
import { clientFor, DatabaseError, QueryAborted, type PostgresClient } from "../../connectors/postgres";
import { FlowFailure } from "../failure";
import { connectorAlias, expression, sql } from "./fields";
import type { NodeContext } from "./handler";
import { CallCanceled, pause } from "./rest-attempt";

/** Backoff never waits longer than this between two attempts. */
const MAX_RETRY_DELAY_MS = 10_000;

/** The fields every DATABASE_* node has. */
export const DatabaseFields = {
  /** Alias of a `postgres` connector of the job's space (DESIGN.md §11). */
  connector: connectorAlias("postgres").min(1).describe("The postgres connector to run the statement on"),
  /** One statement with $1…$n placeholders; values only ever arrive as `params`. */
  sql: sql().min(1).describe("One statement with $1…$n placeholders"),
  /** Expressions, one per placeholder: $1 is params[0]. */
  params: z.array(expression().min(1)).default([]).describe("One expression per placeholder: $1 is the first"),
  timeoutMs: z.number().int().positive().max(300_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(0),
  /** The first backoff; each later one doubles, up to MAX_RETRY_DELAY_MS. */
  retryDelayMs: z.number().int().nonnegative().max(MAX_RETRY_DELAY_MS).default(200),
};
const DatabaseData = z.object(DatabaseFields);
type DatabaseData = z.infer<typeof DatabaseData>;

/** The `params` expressions, for save-time compilation. */
export function* paramExpressions(data: Pick<DatabaseData, "params">): Iterable<[string, string]> {
  for (const [index, expression] of data.params.entries()) yield [`params[${index}]`, expression];
}

/** The connector a DATABASE_* node names, for save-time checks (`connectors()` of NodeHandler). */
export function* postgresConnector(data: Pick<DatabaseData, "connector">): Iterable<[field: string, alias: string, type: "postgres"]> {
  yield ["connector", data.connector, "postgres"];
}

/** The values of `params`, in order (JSON values: objects and arrays are bound as JSON text). */
export async function evaluateParams(context: NodeContext, params: readonly string[]): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const [index, expression] of params.entries()) values.push(await context.evaluate(expression, `params[${index}]`));
  return values;
}

/**
 * Runs `call` on the connector's client, retrying passing failures. `what` says what the attempt does
 * in log lines ("query", "rows 500-999"). A failure ends as a FlowFailure whose message starts with
 * the SQLSTATE; the engine puts the node's type and name in front of it.
 */
export async function withDatabase<T>(
  context: NodeContext,
  data: DatabaseData,
  what: string,
  call: (client: PostgresClient) => Promise<T>,
): Promise<T> {
  const { node, services } = context;
  if (!services.connector) throw new FlowFailure("this host has no connectors, so it cannot reach a database");
  const attempts = data.retries + 1;
  for (let made = 0; ; ) {
    if (made > 0) await pause(Math.min(data.retryDelayMs * 2 ** (made - 1), MAX_RETRY_DELAY_MS), services.signal, `the ${what}`);
    // Asked for on every attempt (the host may cache it); a changed config or password gets a new connection.
    const connector = await services.connector(data.connector, "postgres");
    const startedAt = Date.now();
    try {
      // The connection belongs to the slice (its signal), which the runner closes when it ends; a host without a signal holds it per engine.
      const result = await call(clientFor(services.signal ?? services, connector));
      if (made > 0) services.log({ level: "info", node: node.name, message: `${what} succeeded on attempt ${made + 1} of ${attempts} (${Date.now() - startedAt} ms)` });
      return result;
    } catch (error) {
      made++;
      if (error instanceof QueryAborted) throw new CallCanceled(`the ${what}`, { cause: error });
      if (!(error instanceof DatabaseError)) throw error;
      const retrying = error.transient && made < attempts;
      services.log({
        level: retrying ? "warn" : "error",
        node: node.name,
        message: `${what} failed (attempt ${made} of ${attempts}, ${Date.now() - startedAt} ms): ${error.message}${retrying ? "; retrying" : ""}`,
      });
      if (!retrying) {
        const tries = made > 1 ? ` (after ${made} attempts)` : "";
        throw new FlowFailure(`${error.message}${tries}`, { cause: error });
      }
    }
  }
}
