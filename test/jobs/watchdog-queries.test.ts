// The watchdog's queries use indexes only: EXPLAIN QUERY PLAN of each real SQL text (exported by
// watchdog.ts, retention.ts and fanout.ts) shows no full scan of jobs, however large the table grows.
import { describe, expect, it } from "vitest";
import { SOLVE_ROLLUP_DELETE_SQL, SOLVE_ROLLUP_SQL } from "../../worker/billing/solve";
import { EXPIRED_JOBS_SQL, PURGE_QUEUE_SQL } from "../../worker/jobs/retention";
import {
  CURSORS_SQL,
  LOST_DELIVERIES_SQL,
  RESTART_INPUT_SQL,
  STALE_JOBS_SQL,
  UNLANDED_CANCELS_SQL,
  WAITING_ACCOUNTS_SQL,
  ZOMBIE_SQL,
} from "../../worker/jobs/watchdog";
import { transitionDeliveriesSql } from "../../worker/webhooks/fanout";
import { shardDatabases } from "../helpers/db";

/** Enough bound values for the statement's parameters (?N and bare ?); the plan does not depend on them. */
function parameterCount(sql: string): number {
  const numbered = [...sql.matchAll(/\?(\d+)/g)].map((match) => Number(match[1]));
  const bare = [...sql.matchAll(/\?(?!\d)/g)].length;
  return Math.max(0, ...numbered) + bare;
}

async function plan(sql: string): Promise<string> {
  const values = Array.from({ length: parameterCount(sql) }, () => 0);
  // Every job shard has the same schema: the plan is the same on each.
  const rows = await shardDatabases()[0].db.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...values).all<{ detail: string }>();
  return rows.results.map((row) => row.detail).join("\n");
}

/** A full pass over a large table: "SCAN jobs" (with or without an index to walk) rather than "SEARCH jobs …". */
const FULL_SCAN = /\bSCAN (jobs|webhook_deliveries|webhooks|accounts)\b/;

const watchdogQueries = {
  STALE_JOBS_SQL,
  UNLANDED_CANCELS_SQL,
  WAITING_ACCOUNTS_SQL,
  RESTART_INPUT_SQL,
  ZOMBIE_SQL,
  LOST_DELIVERIES_SQL,
  EXPIRED_JOBS_SQL,
  // Two tiny tables (one row per watchdog pass; an outbox emptied every run): reading them whole is the point.
  CURSORS_SQL,
  PURGE_QUEUE_SQL,
  "zombie JOB.ERROR deliveries": transitionDeliveriesSql("ERROR", ["RUNNING", "CANCELING"], { jobId: "J" }).sql,
};

describe("watchdog queries", () => {
  for (const [name, sql] of Object.entries(watchdogQueries)) {
    it(`${name} does not scan jobs`, async () => {
      const detail = await plan(sql);
      expect(detail, detail).not.toMatch(FULL_SCAN);
    });
  }

  it("the solve roll-up reads only the ledger's solve rows, one range of its primary key", async () => {
    for (const sql of [SOLVE_ROLLUP_SQL, SOLVE_ROLLUP_DELETE_SQL]) {
      const detail = await plan(sql);
      expect(detail, detail).not.toMatch(/\bSCAN usage_ledger\b/);
      expect(detail, detail).toMatch(/SEARCH usage_ledger USING INDEX sqlite_autoindex_usage_ledger_1 \(job_id>\? AND job_id<\?\)/);
    }
  });

  it("each pass reads its own index, oldest first", async () => {
    expect(await plan(STALE_JOBS_SQL)).toContain("SEARCH jobs USING INDEX jobs_watch_quiet");
    expect(await plan(UNLANDED_CANCELS_SQL)).toContain("SEARCH jobs USING INDEX jobs_watch_canceling");
    expect(await plan(WAITING_ACCOUNTS_SQL)).toContain("SEARCH jobs USING COVERING INDEX jobs_waiting_by_account (account_id>?)");
    // Not the status index, which would read every pending delivery of every space for each job.
    expect(await plan(EXPIRED_JOBS_SQL)).toContain("SEARCH d USING INDEX webhook_deliveries_once (job_id=?)");
    // Account by account (each has its own period), through its finished jobs alone.
    expect(await plan(EXPIRED_JOBS_SQL)).toMatch(/SEARCH jobs USING INDEX jobs_by_account_ended \(account_id=\? AND ended_at>\? AND ended_at<\?\)/);
    // No sort: the order comes from the index.
    for (const sql of [STALE_JOBS_SQL, UNLANDED_CANCELS_SQL, WAITING_ACCOUNTS_SQL]) expect(await plan(sql)).not.toContain("TEMP B-TREE");
  });

  it("the deliveries of a cancel while waiting are found through an index, for every scope", async () => {
    for (const scope of [
      { jobId: "J", spaceId: "S" },
      { spaceId: "S" },
      { spaceId: "S", ruleId: "R", ruleVersion: 1 },
      { accountId: "A" },
    ]) {
      const detail = await plan(transitionDeliveriesSql("CANCELED", ["WAITING"], scope).sql);
      expect(detail, detail).not.toMatch(FULL_SCAN);
    }
  });
});
