// DATABASE_QUERY: runs a SELECT on a postgres connector. Without a `loop` connection its output is
// { rows, count } (at most MAX_ROWS rows). With one it is a loop node like FOREACH: the body (port
// `loop`) runs once per row with { currentRow, index } under the node's name, then port `done`
// continues with `count`. The rows are read a page (`batchSize`) at a time with
// `SELECT * FROM (<sql>) LIMIT $n OFFSET $m`: the loop progress in the checkpoint holds the page's
// offset and the row index, memory holds one page, and a runner that resumes after an eviction
// reads the current page again from its offset. The server skips `offset` rows for each page, and
// pages only line up when the order is total, so the author's SQL must ORDER BY a unique key: then
// every row is visited exactly once while the table does not change under the job. With `keyColumn`
// (a unique, non-null column of the rows) pages are read by key instead (keyset paging):
// `SELECT * FROM (<sql>) AS page WHERE page."<key>" > $k ORDER BY page."<key>" LIMIT $n`, the
// checkpoint holding the key the current page starts after — each page costs the same however far
// the loop is, and rows inserted or deleted behind the loop do not shift it.
import { z } from "zod";
import { DEFAULT_PORT, DONE_PORT, LOOP_PORT, type FlowDefinition, type FlowNode } from "../definition";
import { FlowFailure } from "../failure";
import type { EngineServices } from "../services";
import { DatabaseFields, evaluateParams, paramExpressions, postgresConnector, withDatabase } from "./database";
import { parseNodeData, type NodeContext, type NodeHandler, type NodeResult } from "./handler";

/** The most rows a query without a loop returns: its output lives in the checkpoint. */
export const MAX_ROWS = 10_000;

export const DatabaseQueryData = z.object({
  ...DatabaseFields,
  /** Rows per page when looping. */
  batchSize: z.number().int().min(1).max(MAX_ROWS).default(500),
  /** When looping, read pages by this column (unique, not null) rather than by OFFSET; rows come in its order. */
  keyColumn: z
    .string()
    .min(1)
    .max(63)
    .optional()
    .describe("When looping: a unique, non-null column of the rows; pages are read in its order after the last key seen (keyset paging), not by OFFSET"),
});
type DatabaseQueryData = z.infer<typeof DatabaseQueryData>;

/** Kept in the body frame of the checkpoint: where the loop is, never the rows themselves. */
interface QueryLoop {
  /** Tells this run of the loop from an earlier one of the same node (a loop nested in another). */
  run: string;
  /** The parameters, evaluated once when the loop started, so every page reads the same query. */
  params: unknown[];
  /** Offset of the page that holds the current row. */
  pageOffset: number;
  /** With keyColumn: the key the current page starts after (null: the first page). */
  pageAfter?: unknown;
  /** The current row's index (rows visited before it). */
  index: number;
}

interface QueryLoopOutput {
  currentRow: Record<string, unknown> | null;
  index: number | null;
  /** Rows visited; known once the loop is done. */
  count: number | null;
}

interface Page {
  run: string;
  offset: number;
  /** With keyColumn: the key this page starts after. */
  after?: unknown;
  rows: Record<string, unknown>[];
}

/** The page each loop is on, per engine (its services object) and node; an engine built from a checkpoint starts without. */
const pages = new WeakMap<EngineServices, Map<string, Page>>();

export const databaseQueryNode: NodeHandler = {
  dataSchema: DatabaseQueryData,
  expressions: (data: DatabaseQueryData) => paramExpressions(data),
  connectors: (data: DatabaseQueryData) => postgresConnector(data),
  // `default` without a loop connection; `loop` and `done` with one.
  ports: () => [DEFAULT_PORT, LOOP_PORT, DONE_PORT],

  async run(context) {
    const data = parseNodeData(context.node, DatabaseQueryData);
    const params = await evaluateParams(context, data.params);
    if (!loops(context.definition, context.node)) {
      const { rows, more } = await withDatabase(context, data, "query", (client) =>
        client.query(data.sql, params, { timeoutMs: data.timeoutMs, signal: context.services.signal, maxRows: MAX_ROWS }),
      );
      if (more) {
        throw new FlowFailure(
          `the query returned more than ${MAX_ROWS} rows, more than a node output can hold; connect port 'loop' to go through them row by row (a page of batchSize at a time)`,
        );
      }
      return { kind: "done", output: { rows, count: rows.length } };
    }
    if (leavesByDefaultPort(context.definition, context.node)) {
      throw new FlowFailure("a DATABASE_QUERY with a 'loop' connection continues after the last row through port 'done', not 'default'");
    }
    const start: QueryLoop = { run: crypto.randomUUID(), params, pageOffset: 0, index: 0 };
    return iteration(context, data, data.keyColumn === undefined ? start : { ...start, pageAfter: null });
  },

  async afterIteration(context, loop) {
    const data = parseNodeData(context.node, DatabaseQueryData);
    // The checkpoint is the engine's own state, written by `iteration` below.
    const progress = loop as QueryLoop;
    return iteration(context, data, { ...progress, index: progress.index + 1 });
  },

  // The row count is known only once the last page is read: the console shows rows so far.
  loopPosition: (_node, loop) => ({ index: (loop as QueryLoop).index, length: null }),
};

/** The iteration at `progress.index`, reading pages as needed, or `done` after the last row. */
async function iteration(context: NodeContext, data: DatabaseQueryData, progress: QueryLoop): Promise<NodeResult> {
  const byNode = pagesOf(context.services);
  const cached = byNode.get(context.node.id);
  let page =
    cached && cached.run === progress.run && cached.offset === progress.pageOffset
      ? cached
      : await readPage(context, data, progress, progress.pageOffset, progress.pageAfter);
  // A full page may be followed by more; a short one is the last.
  while (progress.index - page.offset >= page.rows.length && page.rows.length === data.batchSize) {
    page = await readPage(context, data, progress, page.offset + data.batchSize, data.keyColumn === undefined ? undefined : lastKey(page, data.keyColumn));
  }
  const position = progress.index - page.offset;
  if (position >= page.rows.length) {
    byNode.delete(context.node.id);
    // After the loop the output keeps the last row and its index, as FOREACH keeps its last item.
    const previous = progress.index > 0 ? (context.values[context.node.name] as QueryLoopOutput) : null;
    const output: QueryLoopOutput = { currentRow: previous?.currentRow ?? null, index: previous?.index ?? null, count: progress.index };
    return { kind: "done", output, ports: [DONE_PORT] };
  }
  byNode.set(context.node.id, page);
  const output: QueryLoopOutput = { currentRow: page.rows[position], index: progress.index, count: null };
  const loop: QueryLoop = data.keyColumn === undefined ? { ...progress, pageOffset: page.offset } : { ...progress, pageOffset: page.offset, pageAfter: page.after };
  return { kind: "iterate", output, loop };
}

/**
 * The key the page after `page` starts after: its last row's. (A keyColumn the rows lack is refused
 * by the server, 42703.) Nulls sort last, so a null here means rows past it could not be reached.
 */
function lastKey(page: Page, keyColumn: string): unknown {
  const key = page.rows[page.rows.length - 1][keyColumn];
  if (key === null || key === undefined) {
    throw new FlowFailure(`keyColumn '${keyColumn}' is null in row ${page.offset + page.rows.length - 1}; it must be unique and not null`);
  }
  return key;
}

/** The page at `offset`: by OFFSET, or with keyColumn the rows after key `after` (undefined or null: from the first). */
async function readPage(context: NodeContext, data: DatabaseQueryData, progress: QueryLoop, offset: number, after?: unknown): Promise<Page> {
  const n = progress.params.length;
  // The author's statement as a subquery; a trailing semicolon would end it early, a trailing
  // comment is ended by the line break.
  const query = `SELECT * FROM (\n${data.sql.trim().replace(/;+$/, "")}\n) AS page`;
  let text: string;
  let params: unknown[];
  if (data.keyColumn === undefined) {
    text = `${query} LIMIT $${n + 1} OFFSET $${n + 2}`;
    params = [...progress.params, data.batchSize, offset];
  } else {
    // Quoted, so the column is the one the rows name, whatever its case; a quote in it is doubled.
    const key = `page."${data.keyColumn.replaceAll('"', '""')}"`;
    const starting = after === undefined || after === null;
    text = `${query}${starting ? "" : ` WHERE ${key} > $${n + 2}`} ORDER BY ${key} LIMIT $${n + 1}`;
    params = starting ? [...progress.params, data.batchSize] : [...progress.params, data.batchSize, after];
  }
  const what = `rows ${offset}-${offset + data.batchSize - 1}`;
  const startedAt = Date.now();
  const { rows } = await withDatabase(context, data, `read of ${what}`, (client) =>
    client.query(text, params, { timeoutMs: data.timeoutMs, signal: context.services.signal }),
  );
  context.services.log({ level: "info", node: context.node.name, message: `read ${what}: ${rows.length} row(s) in ${Date.now() - startedAt} ms` });
  return data.keyColumn === undefined ? { run: progress.run, offset, rows } : { run: progress.run, offset, after: after ?? null, rows };
}

function pagesOf(services: EngineServices): Map<string, Page> {
  let byNode = pages.get(services);
  if (!byNode) {
    byNode = new Map();
    pages.set(services, byNode);
  }
  return byNode;
}

function loops(definition: FlowDefinition, node: FlowNode): boolean {
  return definition.connections.some((connection) => connection.source === node.id && connection.port === LOOP_PORT);
}

function leavesByDefaultPort(definition: FlowDefinition, node: FlowNode): boolean {
  return definition.connections.some((connection) => connection.source === node.id && (connection.port ?? DEFAULT_PORT) === DEFAULT_PORT && connection.target !== node.id);
}
