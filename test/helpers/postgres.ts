// The test Postgres as the DATABASE_* suites see it from inside workerd: how to reach it
// (test/support/postgres.ts provides it), a connection of the test's own for setting up and checking
// tables, connectors that point at it, and the proxy's controls.
import postgres from "postgres";
import { inject } from "vitest";
import { edge, flow, node } from "../flow/run-flow";
import { driverSocket } from "../../worker/connectors/socket";
import type { ResolvedOf } from "../../worker/connectors/types";

export type TestPostgres = ReturnType<typeof testPostgres>;

/** The shared test server, for light use (a suite that runs many statements takes its own: ownPostgres()). */
export const testPostgres = () => inject("postgres");

/** A loopback port nothing listens on: a connect is refused at once. */
export const CLOSED_PORT = 1;

/** A table name no other test (or earlier run against the same server) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** The connector a node gets from `services.connector`, pointing at the test server (or `overrides`). */
export function testConnector(server: TestPostgres, overrides: Partial<ResolvedOf<"postgres">["config"]> = {}): ResolvedOf<"postgres"> {
  const { host, port, database, user, password } = server;
  return { id: "conn-test", alias: "warehouse", type: "postgres", config: { host, port, database, user, ssl: "disable", ...overrides }, secret: { password } };
}

/** The test's own connection; end it with `await sql.end()`. */
export function testSql(server: TestPostgres) {
  const { host, port, database, user, password } = server;
  // Through the connector's socket, whose failures reach the driver once (worker/connectors/socket.ts).
  return postgres({ host, port, database, username: user, password, ssl: false, max: 1, prepare: false, onnotice: () => {}, ...({ socket: driverSocket } as object) });
}

async function control(method: string, path: string): Promise<any> {
  const response = await fetch(`${inject("postgresControl")}${path}`, { method });
  if (!response.ok) throw new Error(`postgres control ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Resolves once a statement containing `marker` has reached the server (polls the proxy). */
export async function statementSent(marker: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await control("GET", `/queries?marker=${encodeURIComponent(marker)}`)).count === 0) {
    if (Date.now() > deadline) throw new Error(`no statement containing ${marker} reached the server`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Drops the connections whose last statement contains `marker`, as pg_terminate_backend would (57P01). */
export async function terminateConnections(marker: string): Promise<number> {
  return (await control("POST", `/terminate?marker=${encodeURIComponent(marker)}`)).terminated;
}

/**
 * A server of its own: a fresh PGlite, or the shared server when it is a real Postgres. A test file
 * that runs flows takes one, since concurrent clients of one PGlite break each other's statements;
 * so does a test that leaves its server busy (PGlite ignores cancels).
 */
export async function ownPostgres(): Promise<TestPostgres> {
  return control("POST", "/database");
}

/** `customers_<id>` with `count` deterministic rows: id, name, segment, amount. */
export async function seedCustomers(sql: ReturnType<typeof testSql>, table: string, count: number): Promise<void> {
  await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, segment text NOT NULL, amount integer NOT NULL)`);
  await sql.unsafe(
    `INSERT INTO ${table} (id, name, segment, amount)
     SELECT i, 'Customer ' || i, (ARRAY['gold','silver','bronze','new'])[1 + (i * 7) % 4], (i * 37) % 1000
     FROM generate_series(1, $1::int) AS i`,
    [count],
  );
}

/**
 * Issue 14's acceptance flow: every customer scored (amount × 3, +100 for gold) and upserted into
 * `scores` `batchSize` at a time, read `batchSize` a page; the remainder after the loop.
 */
export function scoringFlow(customersTable: string, scoresTable: string, batchSize = 500) {
  const score = "read.currentRow.amount * 3 + (read.currentRow.segment = 'gold' ? 100 : 0)";
  return flow(
    [
      node("start", "START"),
      node("init", "ASSIGN", { vars: { batch: "[]", written: "0", visited: "0" } }),
      node("read", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT id, amount, segment FROM ${customersTable} ORDER BY id`, batchSize }),
      node("score", "ASSIGN", { vars: { batch: `$append(vars.batch, [[read.currentRow.id, ${score}]])`, visited: "vars.visited + 1" } }),
      node("full", "SWITCH", { cases: [{ when: `$count(vars.batch) >= ${batchSize}`, port: "flush" }] }),
      node("upsert", "DATABASE_EXECUTE", {
        connector: "warehouse",
        sql: `INSERT INTO ${scoresTable} (customer_id, score) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`,
        rows: "vars.batch",
      }),
      node("flushed", "ASSIGN", { vars: { batch: "[]", written: "vars.written + upsert.rowCount" } }),
      node("rest", "DATABASE_EXECUTE", {
        connector: "warehouse",
        sql: `INSERT INTO ${scoresTable} (customer_id, score) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`,
        rows: "vars.batch",
      }),
      node("end", "END", { output: "{ 'count': read.count, 'visited': vars.visited, 'written': vars.written + rest.rowCount }" }),
    ],
    [
      edge("start", "init"),
      edge("init", "read"),
      edge("read", "score", "loop"),
      edge("score", "full"),
      edge("full", "upsert", "flush"),
      edge("upsert", "flushed"),
      edge("read", "rest", "done"),
      edge("rest", "end"),
    ],
  );
}

/** Rows of `scores`, and how many hold the right score for their customer. */
export async function scoreCounts(database: ReturnType<typeof testSql>, customersTable: string, scoresTable: string) {
  const [counts] = await database.unsafe(
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE s.score = c.amount * 3 + CASE WHEN c.segment = 'gold' THEN 100 ELSE 0 END)::int AS correct
     FROM ${scoresTable} s JOIN ${customersTable} c ON c.id = s.customer_id`,
  );
  return counts;
}
