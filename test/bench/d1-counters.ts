// Counts the D1 statements the product makes, per database binding, for the write-budget benchmark
// (`BENCH_ONLY=budget`). The env handed to the product is wrapped so that its D1 bindings (DIRECTORY
// and each JOBS_n) count what runs through them: run/all/first/raw of a statement is one statement, a
// batch counts each of its statements and, if any of them writes, one write transaction (as does a
// lone write). The Worker and the JobRunner objects run in the same isolate under `wrangler dev`, so
// one module-level object holds the counts of both.
import type { Env } from "../../worker/env";

export interface D1Tally {
  reads: number;
  writes: number;
  batches: number;
  /** Lone writes plus batches with a write in them: what D1 commits. */
  writeTransactions: number;
  /** Round trips to the database: a lone statement or a batch each. */
  calls: number;
}

/** One counted statement, in order, for a look at what the numbers are made of. */
export interface D1LogEntry {
  database: string;
  kind: "read" | "write";
  /** The number of the batch it ran in (per database), or null for a lone statement. */
  batch: number | null;
  sql: string;
}

const LOG_LIMIT = 2000;
export const d1Counters: { byDatabase: Record<string, D1Tally>; log: D1LogEntry[] } = { byDatabase: {}, log: [] };

export function resetD1Counters() {
  d1Counters.byDatabase = {};
  d1Counters.log = [];
}

function tallyOf(database: string): D1Tally {
  return (d1Counters.byDatabase[database] ??= { reads: 0, writes: 0, batches: 0, writeTransactions: 0, calls: 0 });
}

/** A write is INSERT/UPDATE/DELETE/REPLACE, also after a leading WITH …; anything else is a read. */
export function isWrite(sql: string): boolean {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ").trim();
  let depth = 0;
  // Outside the WITH clause's parentheses, the first statement keyword decides.
  for (const token of text.match(/[()]|[A-Za-z_]+/g) ?? []) {
    if (token === "(") depth++;
    else if (token === ")") depth--;
    else if (depth === 0) {
      const word = token.toUpperCase();
      if (["INSERT", "UPDATE", "DELETE", "REPLACE"].includes(word)) return true;
      if (["SELECT", "VALUES", "PRAGMA", "EXPLAIN"].includes(word)) return false;
    }
  }
  return false;
}

/** Each statement text's kind and its log form, worked out once: counting must not add to what it measures. */
const statementKinds = new Map<string, { kind: "read" | "write"; short: string }>();

function count(database: string, sql: string, batch: number | null): "read" | "write" {
  let known = statementKinds.get(sql);
  if (!known) {
    known = { kind: isWrite(sql) ? "write" : "read", short: sql.replace(/\s+/g, " ").trim().slice(0, 100) };
    if (statementKinds.size < 10_000) statementKinds.set(sql, known);
  }
  tallyOf(database)[known.kind === "write" ? "writes" : "reads"]++;
  if (d1Counters.log.length < LOG_LIMIT) d1Counters.log.push({ database, kind: known.kind, batch, sql: known.short });
  return known.kind;
}

const sqlOf = new WeakMap<object, { sql: string; statement: D1PreparedStatement }>();
const bound = (target: object, value: unknown) => (typeof value === "function" ? value.bind(target) : value);

function countedStatement(database: string, statement: D1PreparedStatement, sql: string): D1PreparedStatement {
  const counted = new Proxy(statement, {
    get(target, property) {
      if (property === "bind") return (...values: unknown[]) => countedStatement(database, target.bind(...values), sql);
      if (property === "run" || property === "all" || property === "first" || property === "raw") {
        return (...args: unknown[]) => {
          tallyOf(database).calls++;
          if (count(database, sql, null) === "write") tallyOf(database).writeTransactions++;
          return (target[property] as (...args: unknown[]) => unknown)(...args);
        };
      }
      return bound(target, Reflect.get(target, property, target));
    },
  });
  sqlOf.set(counted, { sql, statement });
  return counted;
}

function countedDatabase(database: string, d1: D1Database): D1Database {
  return new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => countedStatement(database, target.prepare(sql), sql);
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const tally = tallyOf(database);
          const batch = ++tally.batches;
          tally.calls++;
          const kinds = statements.map((statement) => count(database, sqlOf.get(statement)?.sql ?? "?", batch));
          if (kinds.includes("write")) tally.writeTransactions++;
          return target.batch(statements.map((statement) => sqlOf.get(statement)?.statement ?? statement));
        };
      }
      return bound(target, Reflect.get(target, property, target));
    },
  });
}

const countedEnvs = new WeakMap<Env, Env>();

/** The env with its D1 bindings counted (the same wrapper for the same env, and for each binding). */
export function countingEnv<E extends Env>(env: E): E {
  let counted = countedEnvs.get(env) as E | undefined;
  if (counted) return counted;
  const databases = new Map<string, D1Database>();
  counted = new Proxy(env, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof property !== "string" || !(property === "DIRECTORY" || /^JOBS_\w+$/.test(property)) || !value) return value;
      if (!databases.has(property)) databases.set(property, countedDatabase(property, value as unknown as D1Database));
      return databases.get(property);
    },
  });
  countedEnvs.set(env, counted);
  return counted;
}
