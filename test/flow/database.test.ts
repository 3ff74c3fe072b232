// DATABASE_QUERY, DATABASE_ROW and DATABASE_EXECUTE against a real Postgres (test/support/postgres.ts:
// PGlite on loopback, or FLOWJOBS_TEST_POSTGRES_URL), with the connector injected as the runner
// would resolve it: results and their JSON form, bound parameters, the row loop in pages with its
// position in the checkpoint (and a resume from it), transactions, errors by SQLSTATE and node,
// retries of passing failures, timeouts and cancels.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ConnectorType, ResolvedOf } from "../../worker/connectors/types";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint, FlowEngine } from "../../worker/flow/engine";
import { FlowFailure } from "../../worker/flow/failure";
import type { EngineServices } from "../../worker/flow/services";
import {
  CLOSED_PORT,
  ownPostgres,
  scoreCounts,
  scoringFlow,
  seedCustomers,
  statementSent,
  terminateConnections,
  testConnector,
  testSql,
  uniqueName,
  type TestPostgres,
} from "../helpers/postgres";
import { edge, flow, node, runFlow, type RunOptions } from "./run-flow";

/** The runner's `connector` service, with `warehouse` pointing at `connector` (by default this file's server). */
function connecting(connector: ResolvedOf<"postgres"> = testConnector(server), extra: Omit<EngineServices, "log" | "connector"> = {}): RunOptions {
  return {
    services: {
      ...extra,
      async connector<T extends ConnectorType>(alias: string, type: T): Promise<ResolvedOf<T>> {
        if (alias !== connector.alias || type !== "postgres") throw new FlowFailure(`no ${type} connector '${alias}' in this space`);
        return connector as ResolvedOf<T>;
      },
    },
  };
}

/** START → `name` (a DATABASE_* node) → END with `output`. */
const single = (type: string, data: Record<string, unknown>, output = "db", name = "db") =>
  flow([node("start", "START"), node(name, type, { connector: "warehouse", ...data }), node("end", "END", { output })], [edge("start", name), edge(name, "end")]);

/** PGlite runs a statement in about a millisecond, in one thread: 20,000 upserts take it some 30 s. */
const SLOW = { timeout: 180_000 };

// This file's server, and two that tests leave busy with a pg_sleep (fresh PGlites, or the real server).
let server: TestPostgres;
let busyAfterTimeout: TestPostgres;
let busyAfterCancel: TestPostgres;
let sql: ReturnType<typeof testSql>;
const customers = uniqueName("customers");

beforeAll(async () => {
  [server, busyAfterTimeout, busyAfterCancel] = await Promise.all([ownPostgres(), ownPostgres(), ownPostgres()]);
  sql = testSql(server);
  await seedCustomers(sql, customers, 20_000);
}, 60_000);
afterAll(async () => {
  await sql.end();
});

const failure = (run: Awaited<ReturnType<typeof runFlow>>) => {
  expect(run.result.kind).toBe("failed");
  return run.result as { kind: "failed"; node: string | null; message: string };
};

describe("DATABASE_QUERY without a loop", () => {
  it("outputs { rows, count } as plain JSON, parameters bound in order", async () => {
    const definition = single(
      "DATABASE_QUERY",
      {
        sql: `SELECT id, name, amount, (id * 1000000000000)::int8 AS big, DATE '2030-01-02' + id AS day, '{"a":1}'::jsonb AS doc, ARRAY[id, -id] AS pair
              FROM ${customers} WHERE segment = $1 AND id <= $2 ORDER BY id`,
        params: ["input.segment", "input.upTo"],
      },
      "db",
    );

    const run = await runFlow(definition, { segment: "silver", upTo: 12 }, connecting());

    expect(run.result).toEqual({
      kind: "completed",
      output: {
        count: 3,
        rows: [
          { id: 3, name: "Customer 3", amount: 111, big: "3000000000000", day: "2030-01-05T00:00:00.000Z", doc: { a: 1 }, pair: [3, -3] },
          { id: 7, name: "Customer 7", amount: 259, big: "7000000000000", day: "2030-01-09T00:00:00.000Z", doc: { a: 1 }, pair: [7, -7] },
          { id: 11, name: "Customer 11", amount: 407, big: "11000000000000", day: "2030-01-13T00:00:00.000Z", doc: { a: 1 }, pair: [11, -11] },
        ],
      },
    });
    expect(JSON.stringify(run)).not.toContain(server.password);
  });

  it("refuses more than 10,000 rows, saying to use the loop", async () => {
    const run = await runFlow(single("DATABASE_QUERY", { sql: `SELECT id FROM ${customers}` }, "db", "all"), {}, connecting());

    expect(failure(run)).toMatchObject({
      node: "all",
      message: expect.stringMatching(/^DATABASE_QUERY 'all': the query returned more than 10000 rows.*connect port 'loop'/),
    });
  });
});

describe("DATABASE_ROW", () => {
  it("outputs the first row, or null when there is none", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("found", "DATABASE_ROW", { connector: "warehouse", sql: `SELECT id, name FROM ${customers} WHERE id = $1`, params: ["input.id"] }),
        node("missing", "DATABASE_ROW", { connector: "warehouse", sql: `SELECT id FROM ${customers} WHERE id = $1`, params: ["-1"] }),
        node("end", "END", { output: "{ 'found': found.row, 'missing': missing.row }" }),
      ],
      [edge("start", "found"), edge("found", "missing"), edge("missing", "end")],
    );

    const run = await runFlow(definition, { id: 42 }, connecting());

    expect(run.result).toEqual({ kind: "completed", output: { found: { id: 42, name: "Customer 42" }, missing: null } });
  });
});

describe("DATABASE_EXECUTE", () => {
  it("runs once with `params`, or once per array of `rows` in one transaction, and counts the rows affected", async () => {
    const table = uniqueName("notes");
    await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, note text NOT NULL)`);
    const definition = flow(
      [
        node("start", "START"),
        node("one", "DATABASE_EXECUTE", { connector: "warehouse", sql: `INSERT INTO ${table} (id, note) VALUES ($1, $2)`, params: ["1", "'first'"] }),
        node("many", "DATABASE_EXECUTE", {
          connector: "warehouse",
          sql: `INSERT INTO ${table} (id, note) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
          rows: "input.notes.[id, text]",
        }),
        node("end", "END", { output: "{ 'one': one.rowCount, 'many': many.rowCount }" }),
      ],
      [edge("start", "one"), edge("one", "many"), edge("many", "end")],
    );
    const notes = [
      { id: 1, text: "again" },
      { id: 2, text: "second" },
      { id: 3, text: "third" },
    ];

    const run = await runFlow(definition, { notes }, connecting());

    // Row 1 existed: ON CONFLICT DO NOTHING wrote 2 of the 3.
    expect(run.result).toEqual({ kind: "completed", output: { one: 1, many: 2 } });
    expect(await sql.unsafe(`SELECT id, note FROM ${table} ORDER BY id`)).toEqual([
      { id: 1, note: "first" },
      { id: 2, note: "second" },
      { id: 3, note: "third" },
    ]);
  });

  it("rolls the whole transaction back when one of its statements fails", async () => {
    const table = uniqueName("notes");
    await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, note text NOT NULL)`);
    const definition = single("DATABASE_EXECUTE", { sql: `INSERT INTO ${table} (id, note) VALUES ($1, $2)`, rows: "[[1, 'a'], [2, null], [3, 'c']]" }, "db", "write");

    const run = await runFlow(definition, {}, connecting());

    expect(failure(run)).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "write",
      message: expect.stringMatching(/^DATABASE_EXECUTE 'write': 23502 null value in column "note" (of relation "notes_\w+" )?violates not-null constraint/),
    });
    expect(await sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
  });

  it("writes nothing, without connecting, for an empty `rows`", async () => {
    const run = await runFlow(single("DATABASE_EXECUTE", { sql: "INSERT INTO nowhere VALUES ($1)", rows: "[]" }), {}, connecting(testConnector(server, { port: CLOSED_PORT })));

    expect(run.result).toEqual({ kind: "completed", output: { rowCount: 0 } });
  });
});

describe("parameters are bound, never spliced into the text", () => {
  it("leaves the table alone when a parameter is '; DROP TABLE …; --", async () => {
    const table = uniqueName("customers");
    await seedCustomers(sql, table, 10);
    const attack = `'; DROP TABLE ${table}; --`;
    const definition = flow(
      [
        node("start", "START"),
        node("find", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT id FROM ${table} WHERE name = $1`, params: ["input.name"] }),
        node("rename", "DATABASE_EXECUTE", { connector: "warehouse", sql: `UPDATE ${table} SET name = $1 WHERE id = 1`, params: ["input.name"] }),
        node("end", "END", { output: "{ 'found': find.count, 'renamed': rename.rowCount }" }),
      ],
      [edge("start", "find"), edge("find", "rename"), edge("rename", "end")],
    );

    const run = await runFlow(definition, { name: attack }, connecting());

    expect(run.result).toEqual({ kind: "completed", output: { found: 0, renamed: 1 } });
    // Still there, all 10 rows, the text stored as text.
    expect(await sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 10 }]);
    expect(await sql.unsafe(`SELECT name FROM ${table} WHERE id = 1`)).toEqual([{ name: attack }]);
  });
});

describe("DATABASE_QUERY with a loop", () => {
  it("scores 20,000 rows read 500 a page, upserts them in batches, and a second run changes nothing (issue 14)", SLOW, async () => {
    const scores = uniqueName("scores");
    await sql.unsafe(`CREATE TABLE ${scores} (customer_id integer PRIMARY KEY, score integer NOT NULL)`);
    const definition = scoringFlow(customers, scores);

    const first = await runFlow(definition, {}, connecting());

    expect(first.result).toEqual({ kind: "completed", output: { count: 20_000, visited: 20_000, written: 20_000 } });
    expect(await scoreCounts(sql, customers, scores)).toEqual({ rows: 20_000, correct: 20_000 });
    // 40 full pages and the empty read that ends the loop; the body ran once per row.
    const reads = first.logs.filter((line) => line.node === "read").map((line) => line.message);
    expect(reads).toHaveLength(41);
    expect(reads[0]).toMatch(/^read rows 0-499: 500 row\(s\) in \d+ ms$/);
    expect(reads[40]).toMatch(/^read rows 20000-20499: 0 row\(s\)/);
    expect(first.engine.nodeRuns.score).toBe(20_000);

    const second = await runFlow(definition, {}, connecting());

    expect(second.result).toEqual({ kind: "completed", output: { count: 20_000, visited: 20_000, written: 0 } });
    expect(await scoreCounts(sql, customers, scores)).toEqual({ rows: 20_000, correct: 20_000 });
  });

  it("resumed from a JSON copy of its checkpoint, reads its page again and visits every row once", async () => {
    // 3,000 rows here (the 20,000 of issue 14 go through evicted jobs in test/flow-jobs/database.test.ts).
    const few = uniqueName("customers");
    const scores = uniqueName("scores");
    await seedCustomers(sql, few, 3000);
    await sql.unsafe(`CREATE TABLE ${scores} (customer_id integer PRIMARY KEY, score integer NOT NULL)`);

    // A new engine (and connection) from a JSON copy of the checkpoint every 997 steps, as after an eviction.
    const run = await runFlow(scoringFlow(few, scores, 250), {}, { ...connecting(), resumeEvery: 997 });

    expect(run.result).toEqual({ kind: "completed", output: { count: 3000, visited: 3000, written: 3000 } });
    expect(await scoreCounts(sql, few, scores)).toEqual({ rows: 3000, correct: 3000 });
    // 12 pages and the empty read, and one more read for each engine that resumed inside a page.
    const reads = run.logs.filter((line) => line.node === "read").length;
    expect(reads).toBeGreaterThan(13 + 5);
  });

  it("stores the loop position, not the page, in the checkpoint", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("read", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT * FROM ${customers} WHERE id > $1 ORDER BY id`, params: ["input.after"], batchSize: 100 }),
        node("seen", "ASSIGN", { assign: { id: "read.currentRow.id" } }),
        node("end", "END", { output: "{ 'count': read.count, 'last': read.currentRow.id, 'index': read.index }" }),
      ],
      [edge("start", "read"), edge("read", "seen", "loop"), edge("read", "end", "done")],
    );
    const job = { id: "job-1", attempt: 1 };
    const parsed = FlowDefinition.parse(definition);
    const engine = new FlowEngine(parsed, createCheckpoint(parsed, { after: 19_750 }, job), job, { ...connecting().services!, log: () => {} });
    // START, the loop's first row, then 230 times the body and the next row: row 230, in the third page.
    for (let step = 0; step < 2 + 2 * 230; step++) await engine.step(Date.now());
    const frames = engine.checkpoint.frames;
    expect(frames).toHaveLength(2);
    expect(frames[1].loop).toEqual({ run: expect.any(String), params: [19_750], pageOffset: 200, index: 230 });
    expect(JSON.stringify(engine.checkpoint).length).toBeLessThan(2000);

    let result;
    do result = await engine.step(Date.now());
    while (result.kind === "ran");
    expect(result).toEqual({ kind: "completed", output: { count: 250, last: 20_000, index: 249 } });
  });

  /** START → init → `read` (looping over `table`, `data` extra) → collect each id → END with the ids in visiting order. */
  const collecting = (table: string, data: Record<string, unknown>) =>
    flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { ids: "[]" } }),
        node("read", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT id, name FROM ${table}`, batchSize: 3, ...data }),
        node("collect", "ASSIGN", { vars: { ids: "$append(vars.ids, read.currentRow.id)" } }),
        node("end", "END", { output: "vars.ids" }),
      ],
      [edge("start", "init"), edge("init", "read"), edge("read", "collect", "loop"), edge("read", "end", "done")],
    );

  /** Steps the flow over a fresh 10-row table (ids 1–10); once the row of index 4 is current, rows 1–3 are deleted. */
  async function visitWhileDeleting(data: (table: string) => Record<string, unknown>) {
    const table = uniqueName("keyed");
    await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL)`);
    await sql.unsafe(`INSERT INTO ${table} SELECT i, 'row ' || i FROM generate_series(1, 10) AS i`);
    const parsed = FlowDefinition.parse(collecting(table, data(table)));
    const job = { id: "job-keyset", attempt: 1 };
    const engine = new FlowEngine(parsed, createCheckpoint(parsed, {}, job), job, { ...connecting().services!, log: () => {} });
    let result;
    let deleted = false;
    do {
      result = await engine.step(Date.now());
      const loop = engine.checkpoint.frames[1]?.loop as { index: number } | undefined;
      if (!deleted && loop?.index === 4) {
        await sql.unsafe(`DELETE FROM ${table} WHERE id <= 3`);
        deleted = true;
      }
    } while (result.kind === "ran");
    return result;
  }

  it("with keyColumn reads pages by key: every row once, in key order, though rows behind the loop are deleted (OFFSET skips)", async () => {
    expect(await visitWhileDeleting(() => ({ keyColumn: "id" }))).toEqual({ kind: "completed", output: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    // By OFFSET the next page starts 3 rows too far on: 7, 8 and 9 are never visited.
    const byOffset = await visitWhileDeleting((table) => ({ sql: `SELECT id, name FROM ${table} ORDER BY id` }));
    expect(byOffset).toEqual({ kind: "completed", output: [1, 2, 3, 4, 5, 6, 10] });
  });

  it("keeps the key its page starts after in the checkpoint, and resumes from a JSON copy of it", async () => {
    const table = uniqueName("keyed");
    await sql.unsafe(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL)`);
    await sql.unsafe(`INSERT INTO ${table} SELECT i * 10, 'row ' || i FROM generate_series(10, 1, -1) AS i`);
    const parsed = FlowDefinition.parse(collecting(table, { keyColumn: "id" }));
    const job = { id: "job-keyset-2", attempt: 1 };
    const engine = new FlowEngine(parsed, createCheckpoint(parsed, {}, job), job, { ...connecting().services!, log: () => {} });
    // START, init, the first row, then 4 times the body and the next row: row index 4, the second page.
    for (let step = 0; step < 3 + 2 * 4; step++) await engine.step(Date.now());
    expect(engine.checkpoint.frames[1].loop).toEqual({ run: expect.any(String), params: [], pageOffset: 3, pageAfter: 30, index: 4 });

    const run = await runFlow(collecting(table, { keyColumn: "id" }), {}, { ...connecting(), resumeEvery: 5 });
    expect(run.result).toEqual({ kind: "completed", output: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] });
  });

  it("with a keyColumn the rows do not have, fails naming it; with one null where a page ends, says it must not be null", async () => {
    const missing = await runFlow(collecting(customers, { keyColumn: "customer_id" }), {}, connecting());
    expect(failure(missing).message).toMatch(/^DATABASE_QUERY 'read': 42703 .*customer_id/);
    const table = uniqueName("nullable");
    await sql.unsafe(`CREATE TABLE ${table} (id integer, name text)`);
    await sql.unsafe(`INSERT INTO ${table} VALUES (1, 'a'), (2, 'b'), (NULL, 'c'), (NULL, 'd')`);
    const nulls = await runFlow(collecting(table, { keyColumn: "id" }), {}, connecting());
    expect(failure(nulls).message).toBe("DATABASE_QUERY 'read': keyColumn 'id' is null in row 2; it must be unique and not null");
  });

  it("starts afresh, with its own parameters, each time an outer loop reaches it", async () => {
    const definition = flow(
      [
        node("start", "START"),
        node("segments", "FOREACH", { items: "input.segments", collect: "{ 'segment': segments.currentItem, 'count': read.count, 'ids': vars.ids }" }),
        node("reset", "ASSIGN", { vars: { ids: "[]" } }),
        node("read", "DATABASE_QUERY", {
          connector: "warehouse",
          sql: `SELECT id FROM ${customers} WHERE segment = $1 AND id <= 12 ORDER BY id`,
          params: ["segments.currentItem"],
          batchSize: 2,
        }),
        node("keep", "ASSIGN", { vars: { ids: "$append(vars.ids, read.currentRow.id)" } }),
        node("end", "END", { output: "segments.results" }),
      ],
      [
        edge("start", "segments"),
        edge("segments", "reset", "loop"),
        edge("reset", "read"),
        edge("read", "keep", "loop"),
        edge("segments", "end", "done"),
      ],
    );

    const run = await runFlow(definition, { segments: ["gold", "silver", "none"] }, connecting());

    expect(run.result).toEqual({
      kind: "completed",
      output: [
        { segment: "gold", count: 3, ids: [4, 8, 12] },
        { segment: "silver", count: 3, ids: [3, 7, 11] },
        { segment: "none", count: 0, ids: [] },
      ],
    });
  });

  it("continues through port 'done', not 'default'", async () => {
    const definition = flow(
      [node("start", "START"), node("read", "DATABASE_QUERY", { connector: "warehouse", sql: `SELECT id FROM ${customers} ORDER BY id` }), node("body", "ASSIGN", {}), node("end", "END", {})],
      [edge("start", "read"), edge("read", "body", "loop"), edge("read", "end")],
    );

    const run = await runFlow(definition, {}, connecting());

    expect(failure(run).message).toBe("DATABASE_QUERY 'read': a DATABASE_QUERY with a 'loop' connection continues after the last row through port 'done', not 'default'");
  });
});

describe("errors name the node and the SQLSTATE", () => {
  it.each([
    ["a missing table", "SELECT * FROM no_such_table", /^DATABASE_QUERY 'read': 42P01 relation "no_such_table" does not exist$/],
    ["a syntax error", "SELEC 1", /^DATABASE_QUERY 'read': 42601 syntax error at or near "SELEC"$/],
    ["a division by zero", "SELECT 1 / $1::int AS x", /^DATABASE_QUERY 'read': 22012 division by zero$/],
  ])("%s", async (_, text, message) => {
    const run = await runFlow(single("DATABASE_QUERY", { sql: text, params: text.includes("$1") ? ["0"] : [] }, "db", "read"), {}, connecting());

    expect(failure(run)).toMatchObject({ node: "read", message: expect.stringMatching(message) });
  });

  it("a unique violation says which key", async () => {
    const run = await runFlow(
      single("DATABASE_EXECUTE", { sql: `INSERT INTO ${customers} (id, name, segment, amount) VALUES ($1, 'x', 'new', 0)`, params: ["7"] }, "db", "insert"),
      {},
      connecting(),
    );

    expect(failure(run).message).toMatch(/^DATABASE_EXECUTE 'insert': 23505 duplicate key value violates unique constraint "customers_\w+_pkey" \(Key \(id\)=\(7\) already exists\.\)$/);
  });

  it.runIf(inject("postgres").kind === "postgresql")("a wrong password fails with 28P01, the password in no message", async () => {
    const wrong = "wrong-Secret-7b31e0";
    const connector = { ...testConnector(server), secret: { password: wrong } };
    const run = await runFlow(single("DATABASE_ROW", { sql: "SELECT 1", retries: 1, retryDelayMs: 20 }, "db", "look"), {}, connecting(connector));

    expect(failure(run).message).toBe(`DATABASE_ROW 'look': 28P01 password authentication failed for user "${server.user}"`);
    expect(JSON.stringify(run.logs)).not.toContain(wrong);
  });

  it("a connector that requires TLS of a server without it fails at once, saying so", async () => {
    const startedAt = Date.now();
    const run = await runFlow(single("DATABASE_ROW", { sql: "SELECT 1", retries: 2, retryDelayMs: 20 }, "db", "look"), {}, connecting(testConnector(server, { ssl: "require" })));

    expect(failure(run).message).toBe(`DATABASE_ROW 'look': SSL_REFUSED the server does not accept TLS; a connector with ssl "disable" connects without it`);
    // Not retried, and not waiting out the connect timeout.
    expect(run.logs).toHaveLength(1);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it("an unknown connector alias names the alias", async () => {
    const run = await runFlow(single("DATABASE_ROW", { connector: "elsewhere", sql: "SELECT 1" }, "db", "look"), {}, connecting());

    expect(failure(run).message).toBe("DATABASE_ROW 'look': no postgres connector 'elsewhere' in this space");
  });
});

describe("passing failures are retried like REST_API", () => {
  it("retries a serialization failure (40001) and succeeds on the third attempt", async () => {
    const sequence = uniqueName("attempts");
    const flaky = uniqueName("flaky");
    await sql.unsafe(`CREATE SEQUENCE ${sequence}`);
    await sql.unsafe(`CREATE FUNCTION ${flaky}(failures integer) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('${sequence}') <= failures THEN
          RAISE EXCEPTION 'could not serialize access due to concurrent update' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN 'done';
      END $$`);
    const definition = single("DATABASE_ROW", { sql: `SELECT ${flaky}($1) AS outcome`, params: ["2"], retries: 2, retryDelayMs: 20 }, "flaky.row", "flaky");

    const run = await runFlow(definition, {}, connecting());

    expect(run.result).toEqual({ kind: "completed", output: { outcome: "done" } });
    expect(run.logs.map((line) => `${line.level}: ${line.message}`)).toEqual([
      expect.stringMatching(/^warn: query failed \(attempt 1 of 3, \d+ ms\): 40001 could not serialize access due to concurrent update; retrying$/),
      expect.stringMatching(/^warn: query failed \(attempt 2 of 3, \d+ ms\): 40001 .*; retrying$/),
      expect.stringMatching(/^info: query succeeded on attempt 3 of 3/),
    ]);
  });

  it("does not retry an error that would happen again", async () => {
    const run = await runFlow(single("DATABASE_QUERY", { sql: "SELECT * FROM no_such_table", retries: 3, retryDelayMs: 20 }, "db", "read"), {}, connecting());

    expect(failure(run).message).toBe(`DATABASE_QUERY 'read': 42P01 relation "no_such_table" does not exist`);
    expect(run.logs).toHaveLength(1);
  });

  it("gives up on a refused connection (ECONNREFUSED) after its retries", async () => {
    const run = await runFlow(single("DATABASE_QUERY", { sql: "SELECT 1", retries: 2, retryDelayMs: 20 }, "db", "read"), {}, connecting(testConnector(server, { port: CLOSED_PORT })));

    expect(failure(run).message).toBe(
      `DATABASE_QUERY 'read': ECONNREFUSED could not connect to 127.0.0.1:${CLOSED_PORT} (connection refused, or nothing reachable there) (after 3 attempts)`,
    );
    expect(run.logs.filter((line) => line.level === "warn")).toHaveLength(2);
  });

  it("retries on a new connection when the server terminates the one in use (57P01)", async () => {
    const marker = uniqueName("terminate_me");
    const definition = single("DATABASE_ROW", { sql: `SELECT 'survived' AS outcome FROM pg_sleep(1) /* ${marker} */`, retries: 1, retryDelayMs: 20 }, "slow.row", "slow");

    const running = runFlow(definition, {}, connecting());
    await statementSent(marker);
    if (server.kind === "postgresql") {
      const [{ terminated }] = await sql.unsafe(
        `SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%${marker}%`],
      );
      expect(terminated).toBe(1);
    } else {
      // PGlite is one session and cannot end itself: the proxy sends what Postgres would.
      expect(await terminateConnections(marker)).toBe(1);
    }
    const run = await running;

    expect(run.result).toEqual({ kind: "completed", output: { outcome: "survived" } });
    expect(run.logs[0].message).toMatch(/^query failed \(attempt 1 of 2, \d+ ms\): 57P01 terminating connection due to administrator command; retrying$/);
  });
});

describe("timeouts and cancels", () => {
  it("gives up on a statement past timeoutMs", async () => {
    const marker = uniqueName("slow");
    const definition = single("DATABASE_QUERY", { sql: `SELECT pg_sleep(5) /* ${marker} */`, timeoutMs: 300 }, "db", "slow");

    const startedAt = Date.now();
    const run = await runFlow(definition, {}, connecting(testConnector(busyAfterTimeout)));

    expect(failure(run).message).toBe("DATABASE_QUERY 'slow': no answer within 300 ms (timeoutMs)");
    expect(Date.now() - startedAt).toBeLessThan(1500);
  });

  it("aborts SELECT pg_sleep(60) when the job is canceled, within about a second", async () => {
    const marker = uniqueName("cancel_me");
    const cancel = new AbortController();
    const definition = single("DATABASE_QUERY", { sql: `SELECT pg_sleep(60) /* ${marker} */`, retries: 3 }, "db", "sleep");

    const running = runFlow(definition, {}, connecting(testConnector(busyAfterCancel), { signal: cancel.signal }));
    await statementSent(marker);
    const canceledAt = Date.now();
    cancel.abort(new Error("Canceled by test"));
    const run = await running;

    expect(Date.now() - canceledAt).toBeLessThan(1000);
    expect(failure(run).message).toBe("DATABASE_QUERY 'sleep': the query was aborted because the job was canceled");
    if (busyAfterCancel.kind === "postgresql") {
      // The server was asked to stop the statement too.
      const deadline = Date.now() + 5000;
      while ((await sql.unsafe(`SELECT 1 FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`])).length > 0) {
        if (Date.now() > deadline) throw new Error("the canceled statement is still running");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
});
