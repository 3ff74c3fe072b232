// The test Postgres as the DATABASE_* suites see it from inside workerd: how to reach it
// (test/support/postgres.ts provides it), a connection of the test's own for setting up and checking
// tables, connectors that point at it, and the proxy's controls.
import postgres from "postgres";
import { inject } from "vitest";
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

export { scoreCounts, scoringFlow, seedCustomers } from "../support/scoring.mjs";
