// Live view of one job for the console: Server-Sent Events. The Worker polls D1 and the job's runner
// once a second and sends only what changed (state, progress, node states with run counts, new log
// lines); the stream ends with the final state. Polling keeps the runner free of connection state; a
// second of latency is what the console needs.
import type { SSEStreamingApi } from "hono/streaming";
import type { JobShard } from "../db/databases";
import type { Env } from "../env";
import { runnerFor } from "./dispatcher";
import type { RunnerSnapshot } from "./runner";
import type { LogPage } from "./runner-storage";
import { loadJobRow } from "./service";
import { isFinal } from "./states";
import { jobView } from "./view";

export const LIVE_TICK_MS = 1000;
/** A stream lasts at most this long; EventSource reconnects by itself. */
export const LIVE_MAX_MS = 5 * 60_000;

export async function streamJob(env: Env, shard: JobShard, spaceId: string, jobId: string, stream: SSEStreamingApi, afterLog = 0) {
  let lastJob = "";
  let lastNodes = "";
  let logCursor = afterLog;
  const startedAt = Date.now();
  let id = 0;
  while (!stream.aborted && Date.now() - startedAt < LIVE_MAX_MS) {
    const row = await loadJobRow(env, shard, spaceId, jobId);
    const job = jobView(row);
    const jobText = JSON.stringify(job);
    if (jobText !== lastJob) {
      await stream.writeSSE({ event: "job", data: jobText, id: String(++id) });
      lastJob = jobText;
    }
    if (row.claimed_at !== null) {
      const runner = runnerFor(env, jobId);
      const snapshot: RunnerSnapshot = await runner.snapshot();
      const logs: LogPage = await runner.logs(logCursor, 500);
      const nodesText = JSON.stringify({ states: snapshot.nodeStates, runs: snapshot.nodeRuns });
      if (nodesText !== lastNodes) {
        await stream.writeSSE({ event: "nodes", data: nodesText, id: String(++id) });
        lastNodes = nodesText;
      }
      if (logs.items.length) {
        await stream.writeSSE({ event: "logs", data: JSON.stringify(logs.items), id: String(++id) });
        logCursor = logs.items[logs.items.length - 1].seq;
      }
      // More log lines waiting: fetch them now rather than after a tick.
      if (logs.next !== null) continue;
    }
    if (isFinal(row.state)) {
      await stream.writeSSE({ event: "end", data: JSON.stringify({ state: row.state }), id: String(++id) });
      return;
    }
    await stream.sleep(LIVE_TICK_MS);
  }
}
