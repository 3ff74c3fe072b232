// Server-Sent Events over fetch: EventSource cannot send a Bearer header, so the console reads the
// stream itself. `SseParser` is pure (tested); `followJob` reconnects until the `end` event.
import { authHeaders, problemOf, ProblemError } from "./client";
import type { Job, LogLine, NodeState } from "./types";

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Feeds text chunks in, gets complete events out (per the WHATWG event-stream format). */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
      // A lone \r at the very end may be half of \r\n: wait for more.
      if (width === 1 && this.buffer[newline] === "\r" && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + width);
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") {
      if (this.data.length === 0) {
        this.event = "";
        return undefined;
      }
      const event: SseEvent = { event: this.event || "message", data: this.data.join("\n"), id: this.id };
      this.event = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
    return undefined;
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
