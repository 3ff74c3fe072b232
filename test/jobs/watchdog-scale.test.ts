// The watchdog at scale: every account that lost its trigger is reached however many there are
// (full accounts do not crowd them out), a pass that hits its per-run bound goes on from its cursor
// next run, and one job whose runner call or D1 statement throws is skipped while the rest go on.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../worker/env";
import type { TriggerMessage } from "../../worker/jobs/dispatcher";
import { runWatchdog, STALE_AFTER_MS, TRIGGER_LOST_AFTER_MS } from "../../worker/jobs/watchdog";
import { newId } from "../../worker/lib/ids";
import { directoryDb, shardDatabases } from "../helpers/db";

/** Job rows inserted directly: these tests need thousands of them, in states only time produces. */
interface Seed {
  accountId: string;
  state: "WAITING" | "RUNNING";
  createdAt: number;
  heartbeatAt?: number;
  steps?: number;
}

/** The seeded accounts all live on the first job shard (the watchdog walks every shard; the others stay empty). */
const [{ name: SHARD, db: shardDb }] = shardDatabases();

async function inBatches(db: D1Database, statements: D1PreparedStatement[]) {
  for (let start = 0; start < statements.length; start += 200) await db.batch(statements.slice(start, start + 200));
}

/** Accounts placed on SHARD in the directory, with their parallel limit in the shard's account_limits. */
async function seedAccounts(count: number, parallelLimit = 1): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newId());
  const directory = directoryDb();
  await inBatches(
    directory,
    ids.map((id) => directory.prepare("INSERT INTO accounts (id, name, shard, created_at) VALUES (?, 'seeded', ?, ?)").bind(id, SHARD, Date.now())),
  );
  await inBatches(
    shardDb,
    ids.map((id) =>
      shardDb.prepare("INSERT INTO account_limits (account_id, parallel_limit, updated_at) VALUES (?, ?, ?)").bind(id, parallelLimit, Date.now()),
    ),
  );
  return ids;
}

async function seedJobs(jobs: Seed[]): Promise<string[]> {
  const ids = jobs.map((job) => newId(job.createdAt));
  const statements = jobs.map((job, index) =>
    shardDb.prepare(
      `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_version, correlation_id, used_api_key_id, input, state,
         status_code, status_message, transition_note, created_at, updated_at, claimed_at, heartbeat_at, steps)
       VALUES (?1, 'seeded-space', ?2, 'seeded-rule', 1, ?1, 'seeded-key', '{}', ?3, ?4, 'seeded', 'Seeded by the test', ?5, ?5, ?6, ?6, ?7)`,
    ).bind(
      ids[index],
      job.accountId,
      job.state,
      job.state === "WAITING" ? "JOB_INITIALIZED" : "JOB_RUNNING",
      job.createdAt,
      job.heartbeatAt ?? null,
      job.steps ?? 0,
    ),
  );
  await inBatches(shardDb, statements);
  return ids;
}

/** The trigger messages the watchdog sends, recorded as the queue would receive them (the tests' producer has no consumer). */
function recordTriggers() {
  const sent: TriggerMessage[] = [];
  vi.spyOn(env.JOB_TRIGGERS, "sendBatch").mockImplementation(async (messages: Iterable<MessageSendRequest<TriggerMessage>>) => {
    for (const message of messages) sent.push(message.body);
    return undefined as never;
  });
  vi.spyOn(env.JOB_TRIGGERS, "send").mockImplementation(async (body: TriggerMessage) => {
    sent.push(body);
    return undefined as never;
  });
  return sent;
}

/** An env whose runner calls throw for the given jobs, as an unreachable or broken Durable Object would. */
function withBrokenRunners(base: Env, jobIds: string[]): Env {
  const broken = new Set(jobIds.map((id) => base.JOB_RUNNER.idFromName(id).toString()));
  const failing = () => Promise.reject(new Error("Durable Object reset because its code was updated"));
  const namespace = new Proxy(base.JOB_RUNNER, {
    get(target, property) {
      if (property === "get") {
        return (id: DurableObjectId) =>
          broken.has(id.toString()) ? { revive: failing, requestCancel: failing, start: failing } : target.get(id);
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...base, JOB_RUNNER: namespace };
}

/** An env whose job shards throw on any statement bound with one of the given values (a failure at the D1 boundary). */
function withFailingStatements(base: Env, values: string[]): Env {
  const shards = base.JOB_SHARDS.split(",").map((name) => [name, failingOn(base[name as `JOBS_${string}`], values)]);
  return { ...base, ...Object.fromEntries(shards) };
}

function failingOn(base: D1Database, values: string[]): D1Database {
  const poisoned = new Set(values);
  const failure = () => Promise.reject(new Error("D1_ERROR: Network connection lost."));
  const poison = { run: failure, all: failure, first: failure, raw: failure };
  return new Proxy(base, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          return new Proxy(statement, {
            get(inner, name) {
              if (name === "bind") {
                return (...args: unknown[]) => (args.some((arg) => poisoned.has(arg as string)) ? poison : inner.bind(...args));
              }
              const value = Reflect.get(inner, name);
              return typeof value === "function" ? value.bind(inner) : value;
            },
          });
        };
      }
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) =>
          statements.some((statement) => (statement as unknown) === poison) ? failure() : target.batch(statements);
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function stateOf(jobId: string) {
  return (await shardDb.prepare("SELECT state, status_code FROM jobs WHERE id = ?").bind(jobId).first<{ state: string; status_code: string }>())!;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("watchdog at scale", () => {
  // One file, one database: these tests run in order on the rows the first one seeds, and each
  // leaves them as it found them (the triggers are recorded, never delivered, so nothing is claimed).
  let starving: string[] = [];
  let full: string[] = [];

  it("re-sends the trigger of every one of 600 accounts that lost it, past 600 full accounts, in one run", async () => {
    const old = Date.now() - TRIGGER_LOST_AFTER_MS - 60_000;
    // Full accounts first (lower ids), each with its one slot held by a live job and a job waiting
    // behind it: the job holding the slot sends the trigger when it ends, so none of these starve.
    full = await seedAccounts(600);
    await seedJobs(full.flatMap((accountId) => [
      { accountId, state: "RUNNING" as const, createdAt: old, heartbeatAt: Date.now() },
      { accountId, state: "WAITING" as const, createdAt: old },
    ]));
    starving = await seedAccounts(600);
    await seedJobs(starving.map((accountId) => ({ accountId, state: "WAITING" as const, createdAt: old })));

    const sent = recordTriggers();
    const report = await runWatchdog(env);
    expect(new Set(report.retriggeredAccounts)).toEqual(new Set(starving));
    expect(sent.map((message) => message.accountId).sort()).toEqual([...starving].sort());
    expect(sent.every((message) => message.reason === "watchdog" && message.shard === SHARD)).toBe(true);
    expect(report.skipped).toEqual([]);
  });

  it("a pass that reaches its per-run bound goes on from its cursor in the next run", async () => {
    const sent = recordTriggers();
    // 1,200 accounts with waiting jobs, 300 visited per run: four runs reach each starving one once.
    const limits = { pageSize: 100, accountPages: 3 };
    const perRun: string[][] = [];
    for (let run = 0; run < 4; run++) perRun.push((await runWatchdog(env, Date.now(), limits)).retriggeredAccounts);
    expect(perRun.map((accounts) => accounts.length)).toEqual([0, 0, 300, 300]);
    expect(sent.map((message) => message.accountId).sort()).toEqual([...starving].sort());
    // The fourth run stopped at the last account; the fifth finds nothing after it, so the sixth
    // starts again from the first account.
    expect((await runWatchdog(env, Date.now(), limits)).retriggeredAccounts).toEqual([]);
    expect(await shardDb.prepare("SELECT position FROM watchdog_cursors WHERE pass = 'accounts'").first()).toBeNull();
    expect((await runWatchdog(env, Date.now(), limits)).retriggeredAccounts).toEqual([]);
    const cursor = await shardDb.prepare("SELECT position FROM watchdog_cursors WHERE pass = 'accounts'").first<{ position: string }>();
    expect(JSON.parse(cursor!.position)).toBe(full[299]);
  });

  it("skips a job whose runner call throws and one whose D1 statement throws, and handles every other job", async () => {
    const [accountId] = await seedAccounts(1, 100);
    // Ten running jobs whose runners lost their state (they ran nodes, so each is a zombie), silent for two minutes.
    const silentSince = Date.now() - 2 * STALE_AFTER_MS;
    const jobIds = await seedJobs(
      Array.from({ length: 10 }, (_, index) => ({ accountId, state: "RUNNING" as const, createdAt: silentSince + index, heartbeatAt: silentSince + index, steps: 5 })),
    );
    const [brokenRunner, brokenStatement] = [jobIds[2], jobIds[6]];
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    recordTriggers();

    const report = await runWatchdog(withFailingStatements(withBrokenRunners(env, [brokenRunner]), [brokenStatement]));
    const others = jobIds.filter((id) => id !== brokenRunner && id !== brokenStatement);
    expect(report.zombies.sort()).toEqual(others.sort());
    expect(report.skipped.sort()).toEqual([brokenRunner, brokenStatement].sort());
    for (const id of others) expect(await stateOf(id)).toEqual({ state: "ERROR", status_code: "ZOMBIE_PROCESS" });
    for (const id of [brokenRunner, brokenStatement]) expect((await stateOf(id)).state).toBe("RUNNING");
    // Each failure is logged with its job and cause.
    const logged = errors.mock.calls.map((call) => String(call[0]) + String(call[1]));
    expect(logged.some((line) => line.includes(brokenRunner) && line.includes("Durable Object reset"))).toBe(true);
    expect(logged.some((line) => line.includes(brokenStatement) && line.includes("D1_ERROR"))).toBe(true);
    // The later passes ran too: the starving accounts of the first test were re-sent in the same run.
    expect(report.retriggeredAccounts.length).toBeGreaterThan(0);

    // The next run, with the faults gone, handles the two that were skipped.
    const next = await runWatchdog(env);
    expect(next.zombies.sort()).toEqual([brokenRunner, brokenStatement].sort());
  });

  it("the stale pass too goes on from its cursor, so jobs that keep failing cannot hold back the rest", async () => {
    const [accountId] = await seedAccounts(1, 100);
    const silentSince = Date.now() - 10 * STALE_AFTER_MS;
    const jobIds = await seedJobs(
      Array.from({ length: 30 }, (_, index) => ({ accountId, state: "RUNNING" as const, createdAt: silentSince + index, heartbeatAt: silentSince + index, steps: 1 })),
    );
    // The ten oldest fail every time; 10 jobs per run.
    const faulty = withBrokenRunners(env, jobIds.slice(0, 10));
    vi.spyOn(console, "error").mockImplementation(() => {});
    recordTriggers();
    const limits = { pageSize: 10, stalePages: 1 };
    const handled: string[] = [];
    for (let run = 0; run < 3; run++) handled.push(...(await runWatchdog(faulty, Date.now(), limits)).zombies);
    expect(handled.sort()).toEqual(jobIds.slice(10).sort());
  });
});
