// The embedded Postgres of `npm start`: PGlite (Postgres compiled to WebAssembly, in this Node
// process) served on a loopback port by its socket server, so flows reach it over TCP exactly as
// they would a real server — nothing is installed on the system. Its data lives under the local
// state folder and survives restarts; the demo dataset is created once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Customers in the demo dataset (each with a few orders). */
export const DEMO_CUSTOMERS = 100_000;

/**
 * Starts PGlite on `<stateDir>/pglite` and its socket server on `port` (0: any free port).
 * Resolves to { host, port, database, user, password, stop() }.
 */
export async function startEmbeddedPostgres({ stateDir, port = 0, maxConnections = 20 }) {
  const dataDir = join(stateDir, "pglite");
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  await seedDemoDataset(db);
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections });
  await server.start();
  const address = server.getServerConn?.() ?? "";
  const bound = Number(String(address).split(":").pop()) || port;
  return {
    host: "127.0.0.1",
    port: bound,
    // PGlite has one database and accepts any credentials; the connector still carries a password,
    // as it would for a real server.
    database: "postgres",
    user: "postgres",
    password: "demo",
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Customers (≥ 100,000) with their orders, and the table the sample flow writes its scores to. */
async function seedDemoDataset(db) {
  await db.exec(`
    CREATE TABLE IF NOT EXISTS customers (
      id integer PRIMARY KEY, name text NOT NULL, segment text NOT NULL, country text NOT NULL, joined date NOT NULL,
      orders_count integer NOT NULL DEFAULT 0, spent double precision NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS orders (
      id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id), amount numeric(10,2) NOT NULL, placed date NOT NULL);
    CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id);
    CREATE TABLE IF NOT EXISTS customer_scores (
      customer_id integer PRIMARY KEY, score integer NOT NULL, tier text NOT NULL, scored_by text NOT NULL, scored_at timestamptz NOT NULL DEFAULT now());
  `);
  const { rows } = await db.query("SELECT count(*)::int AS n FROM customers");
  if (rows[0].n >= DEMO_CUSTOMERS) return;
  // Deterministic data (the same on every machine): segments, countries and amounts from the id.
  await db.exec(`
    TRUNCATE customer_scores, orders, customers;
    INSERT INTO customers (id, name, segment, country, joined)
      SELECT i, 'Customer ' || i,
             (ARRAY['gold','silver','bronze','new'])[1 + (i * 7) % 4],
             (ARRAY['DE','FR','NL','US','JP','BR'])[1 + (i * 13) % 6],
             DATE '2015-01-01' + (i * 37) % 3650
      FROM generate_series(1, ${DEMO_CUSTOMERS}) AS i;
    INSERT INTO orders (id, customer_id, amount, placed)
      SELECT o, (1 + (o::bigint * 7919) % ${DEMO_CUSTOMERS})::int, ((o::bigint * 104729) % 50000) / 100.0, DATE '2024-01-01' + ((o * 17) % 700)
      FROM generate_series(1, ${DEMO_CUSTOMERS * 3}) AS o;
    UPDATE customers SET orders_count = totals.n, spent = totals.spent
      FROM (SELECT customer_id, count(*)::int AS n, sum(amount)::float8 AS spent FROM orders GROUP BY customer_id) AS totals
      WHERE totals.customer_id = customers.id;
  `);
}
