// DATABASE_ROW: runs one statement on a postgres connector and outputs { row }: its first row, or
// null when it returned none (a SELECT … WHERE id = $1, or an INSERT … RETURNING id). Only the first
// row is read, through a cursor, whatever the statement would return.
import { z } from "zod";
import { DatabaseFields, evaluateParams, paramExpressions, postgresConnector, withDatabase } from "./database";
import { parseNodeData, type NodeHandler } from "./handler";

export const DatabaseRowData = z.object(DatabaseFields);
type DatabaseRowData = z.infer<typeof DatabaseRowData>;

export const databaseRowNode: NodeHandler = {
  dataSchema: DatabaseRowData,
  expressions: (data: DatabaseRowData) => paramExpressions(data),
  connectors: (data: DatabaseRowData) => postgresConnector(data),

  async run(context) {
    const data = parseNodeData(context.node, DatabaseRowData);
    const params = await evaluateParams(context, data.params);
    const { rows } = await withDatabase(context, data, "query", (client) =>
      client.query(data.sql, params, { timeoutMs: data.timeoutMs, signal: context.services.signal, maxRows: 1 }),
    );
    return { kind: "done", output: { row: rows[0] ?? null } };
  },
};
