// Issue 14's acceptance data and flow, shared by the DATABASE_* suites in workerd and the crash suite
// in Node (plain JS so both can import it): customers with deterministic rows, a flow that scores each
// and upserts the scores in batches, and the check that every score is there and right. `sql` is a
// connection of the `postgres` driver.

/** `table` with `count` deterministic rows: id, name, segment, amount. */
export async function seedCustomers(sql, table, count) {
  await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, segment text NOT NULL, amount integer NOT NULL)`);
  await sql.unsafe(
    `INSERT INTO ${table} (id, name, segment, amount)
     SELECT i, 'Customer ' || i, (ARRAY['gold','silver','bronze','new'])[1 + (i * 7) % 4], (i * 37) % 1000
     FROM generate_series(1, $1::int) AS i`,
    [count],
  );
}

const step = (id, type, data) => (data === undefined ? { id, type, name: id } : { id, type, name: id, data });
const edge = (source, target, port) => (port === undefined ? { source, target } : { source, target, port });

/**
 * Every customer scored (amount × 3, +100 for gold) and upserted into `scoresTable` `batchSize` at a
 * time, read `batchSize` a page through the connector `warehouse`; the remainder after the loop.
 */
export function scoringFlow(customersTable, scoresTable, batchSize = 500) {
  const score = "read.currentRow.amount * 3 + (read.currentRow.segment = 'gold' ? 100 : 0)";
  const upsert = `INSERT INTO ${scoresTable} (customer_id, score) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`;
  return {
    nodes: [
      step("start", "START"),
      step("init", "ASSIGN", { vars: { batch: "[]", written: "0", visited: "0" } }),
      step("read", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT id, amount, segment FROM ${customersTable} ORDER BY id`, batchSize }),
      step("score", "ASSIGN", { vars: { batch: `$append(vars.batch, [[read.currentRow.id, ${score}]])`, visited: "vars.visited + 1" } }),
      step("full", "SWITCH", { cases: [{ when: `$count(vars.batch) >= ${batchSize}`, port: "flush" }] }),
      step("upsert", "DATABASE_EXECUTE", { connector: "warehouse", sql: upsert, rows: "vars.batch" }),
      step("flushed", "ASSIGN", { vars: { batch: "[]", written: "vars.written + upsert.rowCount" } }),
      step("rest", "DATABASE_EXECUTE", { connector: "warehouse", sql: upsert, rows: "vars.batch" }),
      step("end", "END", { output: "{ 'count': read.count, 'visited': vars.visited, 'written': vars.written + rest.rowCount }" }),
    ],
    connections: [
      edge("start", "init"),
      edge("init", "read"),
      edge("read", "score", "loop"),
      edge("score", "full"),
      edge("full", "upsert", "flush"),
      edge("upsert", "flushed"),
      edge("read", "rest", "done"),
      edge("rest", "end"),
    ],
  };
}

/** Rows of `scoresTable`, and how many hold the right score for their customer. */
export async function scoreCounts(sql, customersTable, scoresTable) {
  const [counts] = await sql.unsafe(
    `SELECT count(*)::int AS rows,
            count(*) FILTER (WHERE s.score = c.amount * 3 + CASE WHEN c.segment = 'gold' THEN 100 ELSE 0 END)::int AS correct
     FROM ${scoresTable} s JOIN ${customersTable} c ON c.id = s.customer_id`,
  );
  return counts;
}
