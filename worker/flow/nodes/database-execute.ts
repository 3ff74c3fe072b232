// DATABASE_EXECUTE: runs a writing statement on a postgres connector once with `params`, or once per
// parameter array of `rows`, all of them in one transaction (sent pipelined, so a batch costs about
// one round trip); output { rowCount }, the rows affected in all. A node may run again after an
// eviction, so writes should be idempotent: INSERT … ON CONFLICT (id) DO NOTHING / DO UPDATE.
import { z } from "zod";
import { FlowFailure } from "../failure";
import { DatabaseFields, evaluateParams, paramExpressions, postgresConnector, withDatabase } from "./database";
import { expression } from "./fields";
import { kindOf, parseNodeData, type NodeHandler } from "./handler";

/** Parameter arrays one node writes in its transaction; more go through a loop of smaller batches. */
export const MAX_ROW_SETS = 10_000;

export const DatabaseExecuteData = z
  .object({
    ...DatabaseFields,
    /** An expression giving an array of parameter arrays: the statement runs once per array, in one transaction. */
    rows: expression().min(1).optional().describe("An array of parameter arrays, one statement each, in one transaction (instead of params)"),
  })
  .refine((data) => data.rows === undefined || data.params.length === 0, { message: "takes `params` or `rows`, not both" });
type DatabaseExecuteData = z.infer<typeof DatabaseExecuteData>;

export const databaseExecuteNode: NodeHandler = {
  dataSchema: DatabaseExecuteData,
  *expressions(data: DatabaseExecuteData) {
    yield* paramExpressions(data);
    if (data.rows !== undefined) yield ["rows", data.rows];
  },
  connectors: (data: DatabaseExecuteData) => postgresConnector(data),

  async run(context) {
    const data = parseNodeData(context.node, DatabaseExecuteData);
    const paramSets = data.rows === undefined ? [await evaluateParams(context, data.params)] : evaluateRows(await context.evaluate(data.rows, "rows"));
    // Nothing to write is not worth a connection (the last batch of a loop is often empty).
    if (paramSets.length === 0) return { kind: "done", output: { rowCount: 0 } };
    const what = paramSets.length === 1 ? "statement" : `transaction of ${paramSets.length} statements`;
    const rowCount = await withDatabase(context, data, what, (client) =>
      client.execute(data.sql, paramSets, { timeoutMs: data.timeoutMs, signal: context.services.signal }),
    );
    return { kind: "done", output: { rowCount } };
  },
};

function evaluateRows(rows: unknown): unknown[][] {
  // JSONata returns nothing for no match: then there is nothing to write.
  if (rows === null) return [];
  if (!Array.isArray(rows)) throw new FlowFailure(`rows: expected an array of parameter arrays, got ${kindOf(rows)}`);
  if (rows.length === 0) return [];
  if (rows.length > MAX_ROW_SETS) throw new FlowFailure(`rows: ${rows.length} parameter arrays, more than the ${MAX_ROW_SETS} one transaction takes; write smaller batches`);
  // One row of one value may have been unwrapped by JSONata ([[1]] can come back as [1]).
  if (rows.every((row) => !Array.isArray(row))) {
    throw new FlowFailure(`rows: expected an array of parameter arrays such as [[1, 'a'], [2, 'b']], got an array of ${kindOf(rows[0])} values`);
  }
  const bad = rows.findIndex((row) => !Array.isArray(row));
  if (bad !== -1) throw new FlowFailure(`rows[${bad}]: expected an array of parameters, got ${kindOf(rows[bad])}`);
  return rows as unknown[][];
}
