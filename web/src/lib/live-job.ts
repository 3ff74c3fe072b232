// One job kept up to date: the detail (with its timeline) once, then the live stream (job, node
// states, log lines) until the job ends; the timeline is re-read when the state changes.
import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { api } from "../api/client";
import { followJob } from "../api/sse";
import type { Job, JobDetail, LogLine } from "../api/types";
import { isFinalState } from "./states";

export const MAX_LOG_LINES = 2000;

/** Appends new lines (by seq), keeping at most `max`; returns the lines and how many were dropped. */
export function appendLogs(current: LogLine[], incoming: LogLine[], max = MAX_LOG_LINES): { lines: LogLine[]; dropped: number } {
  const last = current.length ? current[current.length - 1].seq : -1;
  const merged = current.concat(incoming.filter((line) => line.seq > last));
  const dropped = Math.max(0, merged.length - max);
  return { lines: dropped ? merged.slice(dropped) : merged, dropped };
}

export function createLiveJob(jobId: () => string) {
  const [detail, setDetail] = createStore<{ value: JobDetail | null }>({ value: null });
  const [logs, setLogs] = createStore<{ lines: LogLine[] }>({ lines: [] });
  const [dropped, setDropped] = createSignal(0);
  const [error, setError] = createSignal<unknown>();
  const [streaming, setStreaming] = createSignal(false);

  const addLogs = (incoming: LogLine[]) => {
    const next = appendLogs(logs.lines, incoming);
    setLogs("lines", next.lines);
    if (next.dropped) setDropped((count) => count + next.dropped);
  };
  const reload = async (id: string) => {
    const fresh = await api<JobDetail>(`/api/jobs/${encodeURIComponent(id)}`);
    if (id === jobId()) setDetail("value", reconcile(fresh));
    return fresh;
  };

  createEffect(
    on(jobId, (id) => {
      const controller = new AbortController();
      onCleanup(() => controller.abort());
      setDetail("value", null);
      setLogs("lines", []);
      setDropped(0);
      setError(undefined);
      void (async () => {
        try {
          const first = await reload(id);
          if (isFinalState(first.status.state)) {
            const page = await api<{ items: LogLine[] }>(`/api/jobs/${encodeURIComponent(id)}/logs?after=0&limit=1000`);
            if (!controller.signal.aborted) addLogs(page.items);
            return;
          }
          setStreaming(true);
          let lastState = first.status.state;
          await followJob(
            id,
            {
              job: (job) => {
                setDetail("value", (current) => (current ? { ...current, ...job } : current));
                if (job.status.state !== lastState) {
                  lastState = job.status.state;
                  void reload(id).catch(() => {});
                }
              },
              nodes: ({ states, runs }) => {
                setDetail("value", "nodeStates", reconcile(states));
                setDetail("value", "nodeRuns", reconcile(runs));
              },
              logs: addLogs,
              end: () => void reload(id).catch(() => {}),
              error: setError,
            },
            controller.signal,
          );
        } catch (caught) {
          if (!controller.signal.aborted) setError(caught);
        } finally {
          if (!controller.signal.aborted) setStreaming(false);
        }
      })();
    }),
  );

  return {
    get job() {
      return detail.value;
    },
    get logs() {
      return logs.lines;
    },
    dropped,
    error,
    streaming,
    reload: () => reload(jobId()),
    /** Shows a Job the API just answered (e.g. the cancel response) before the stream catches up. */
    apply: (job: Job) => setDetail("value", (current) => (current && current.jobId === job.jobId ? { ...current, ...job } : current)),
  };
}
