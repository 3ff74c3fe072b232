/// <reference types="node" />
// `npm start` as a new user runs it: the script starts wrangler dev with a demo space and prints curl
// lines; those exact lines start jobs that complete (hello, orders) or are canceled (countdown), and
// the output reads as written for a person; the database sample scores customers of the embedded
// Postgres it starts. Runs against a real local server, so jobs are polled
// over HTTP (bounded), there being no alarm hook to drive from outside.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ES module shared with npm start
import { SAMPLE_ORDERS_OUTPUT } from "../../scripts/demo-flows.mjs";

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

let child: ChildProcess | undefined;

/** Polls until the job is final (bounded: `polls` × 200 ms). */
async function finalState(port: number, key: string, jobId: string, polls = 150) {
  let job: { status: { state: string }; output: unknown } | undefined;
  for (let attempt = 0; attempt < polls; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/job/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
    job = await response.json();
    if (["COMPLETED", "ERROR", "CANCELED"].includes(job!.status.state)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return job!;
}
/** Polls until the job is in `state` (bounded: 30 s). */
async function waitForState(port: number, key: string, jobId: string, state: string) {
  for (let attempt = 0; attempt < 150; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/job/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
    if (((await response.json()) as { status: { state: string } }).status.state === state) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`job ${jobId} never reached ${state}`);
}

const stateDir = mkdtempSync(join(tmpdir(), "flowjobs-e2e-"));

afterAll(() => {
  // wrangler dev runs workerd as a grandchild: end the whole process group.
  if (child?.pid) process.kill(-child.pid, "SIGTERM");
  rmSync(stateDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("serves the API and the printed curl line starts a job that completes", async () => {
    const port = await freePort();
    child = spawn(process.execPath, ["scripts/start.mjs"], {
      env: { ...process.env, PORT: String(port), FLOWJOBS_STATE_DIR: stateDir },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const curlLine = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const line = output.split("\n").find((text) => text.trim().startsWith("curl -s -X POST"));
        if (line) {
          clearInterval(timer);
          resolve(line.trim());
        } else if (child!.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`npm start exited:\n${output}`));
        }
      }, 200);
    });

    const docs = await fetch(`http://127.0.0.1:${port}/api/openapi.json`);
    expect(docs.status).toBe(200);
    // The migrations once per database, a line each, and no stack trace of an offline look-up.
    // The directory and both job shards, each migrated from its own migrations_dir.
    // Every migration of each folder, named as the script names them (first … last past two).
    const appliedLine = (database: string, folder: string) => {
      const names = readdirSync(folder).filter((name) => name.endsWith(".sql")).sort().map((name) => name.slice(0, -4));
      const listed = names.length <= 2 ? names.join(", ") : `${names[0]} … ${names[names.length - 1]}`;
      return `D1 database ${database}: applied ${names.length} migration(s) (${listed})`;
    };
    const printed = output.split("\n").map((line) => line.trim());
    expect(printed).toContain(appliedLine("flowjobs-directory", "migrations/directory"));
    for (const shard of ["flowjobs-jobs-0", "flowjobs-jobs-1"]) expect(printed).toContain(appliedLine(shard, "migrations/shard"));
    // Each migration named once per database it was applied to: no table printed twice.
    expect(output.match(/0000_init/g)).toHaveLength(3);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toContain("Request.cf");
    expect(output).toContain("Customer ids the demo API knows: c-100 (Ada Lovelace, gold), c-200 (Grace Hopper, silver), c-300 (Alan Turing, bronze).");

    const { stdout } = await run("sh", ["-c", curlLine]);
    const started = JSON.parse(stdout);
    expect(started.status).toEqual({ state: "WAITING", code: "JOB_INITIALIZED", message: "Job initialized" });
    const key = /Bearer (fjk_\S+)"/.exec(curlLine)![1];

    const job = await finalState(port, key, started.jobId);
    expect(job.status.state).toBe("COMPLETED");
    expect(job.output).toEqual({ greeting: "Hello, Ada" });

    // The realistic sample: a REST call per order to the Worker's demo API, a decision table, a switch.
    const ordersLine = output.split("\n").find((text) => text.includes("/job/start/orders"))!.trim();
    const orders = JSON.parse((await run("sh", ["-c", ordersLine])).stdout);
    const enriched = await finalState(port, key, orders.jobId);
    expect(enriched.status.state).toBe("COMPLETED");
    expect(enriched.output).toEqual(SAMPLE_ORDERS_OUTPUT);

    // Without apiBase the flow calls the server it was published on (this port, not 8787).
    const withoutBase = ordersLine.replace(/"apiBase":"[^"]+",/, "");
    expect(withoutBase).not.toContain("apiBase");
    const defaulted = await finalState(port, key, JSON.parse((await run("sh", ["-c", withoutBase])).stdout).jobId);
    expect([defaulted.status.state, defaulted.output]).toEqual(["COMPLETED", SAMPLE_ORDERS_OUTPUT]);

    // The countdown line starts a job that runs for minutes; the cancel line, given its id, ends it.
    const lines = output.split("\n").map((text) => text.trim());
    const countdownLine = lines.find((text) => text.includes("/job/start/countdown"))!;
    const cancelLine = lines.find((text) => text.includes("/job/cancel/<jobId>"))!;
    const countdown = JSON.parse((await run("sh", ["-c", countdownLine])).stdout);
    expect(countdown.status.state).toBe("WAITING");
    await waitForState(port, key, countdown.jobId, "RUNNING");
    const canceling = JSON.parse((await run("sh", ["-c", cancelLine.replace("<jobId>", countdown.jobId)])).stdout);
    expect(["CANCELING", "CANCELED"]).toContain(canceling.status.state);
    expect((await finalState(port, key, countdown.jobId)).status.state).toBe("CANCELED");

    // The solve line answers in the request: gold with 5 orders is the table's first row.
    const solveLine = lines.find((text) => text.includes("/rule/solve/customer-score"))!;
    expect(JSON.parse((await run("sh", ["-c", solveLine])).stdout)).toEqual([{ points: 80, tier: "A" }]);

    // The database sample: its printed line scores the first 5,000 customers of the embedded Postgres.
    const scoreLine = lines.find((text) => text.includes("/job/start/score-customers"))!;
    expect(scoreLine).toContain('{"limit":5000}');
    const scoring = JSON.parse((await run("sh", ["-c", scoreLine])).stdout);
    const scored = await finalState(port, key, scoring.jobId, 600);
    expect([scored.status.state, scored.output]).toEqual(["COMPLETED", { customers: 5000, written: 5000 }]);
  });
});
