// Server-Sent Events over fetch: EventSource cannot send a Bearer header, so the console reads the
// stream itself, parsing it with eventsource-parser. `SseParser` is pure (tested); `followJob`
// reconnects until the `end` event.
import { createParser } from "eventsource-parser";
import { authHeaders, problemOf, ProblemError } from "./client";
import type { Job, LogLine, NodeState } from "./types";

export interface SseEvent {
  event: string;
  data: string;
  /** The stream's last event id so far (it carries over to later events, as in EventSource). */
  id?: string;
}

/**
 * Feeds text chunks in, gets complete events out. The parsing is eventsource-parser's (the WHATWG
 * event-stream rules: line endings split across chunks, a leading BOM, ids with U+0000 ignored);
 * this adds what EventSource does on top: "message" as the default event type and the last event id.
 */
export class SseParser {
  private lastEventId: string | undefined;
  private ready: SseEvent[] = [];
  private parser = createParser({
    onId: (id) => (this.lastEventId = id),
    onEvent: (message) => this.ready.push({ event: message.event ?? "message", data: message.data, id: this.lastEventId }),
  });

  push(chunk: string): SseEvent[] {
    this.parser.feed(chunk);
    const events = this.ready;
    this.ready = [];
    return events;
  }
}

export interface LiveHandlers {
  job(job: Job): void;
  /** The node states and run counts, as GET /api/jobs/{id} answers them in nodeStates and nodeRuns. */
  nodes(nodes: { states: Record<string, NodeState>; runs: Record<string, number> }): void;
  logs(lines: LogLine[]): void;
  end(): void;
  error?(error: unknown): void;
}

/** Follows one job's live stream until `end` or until `signal` aborts; returns when done. */
export async function followJob(jobId: string, handlers: LiveHandlers, signal: AbortSignal, afterLog = 0): Promise<void> {
  let lastSeq = afterLog;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}/live?afterLog=${lastSeq}`, {
        headers: { accept: "text/event-stream", ...authHeaders() },
        signal,
      });
      if (!response.ok || !response.body) throw new ProblemError(await problemOf(response));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        failures = 0;
        for (const event of parser.push(value)) {
          const data = JSON.parse(event.data);
          if (event.event === "job") handlers.job(data);
          else if (event.event === "nodes") handlers.nodes(data);
          else if (event.event === "logs") {
            handlers.logs(data);
            if (data.length) lastSeq = data[data.length - 1].seq;
          } else if (event.event === "end") {
            handlers.end();
            await reader.cancel().catch(() => {});
            return;
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ProblemError && error.status >= 400 && error.status < 500) {
        handlers.error?.(error);
        return;
      }
      failures++;
      if (failures > 1) handlers.error?.(error);
    }
    // Closed before `end` (stream time limit, network): reconnect after a short pause.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * failures, 5000) || 250));
  }
}
