// The pieces behind live updates: the SSE parser, the polled list merge, counts, log trimming,
// durations, and problem+json parsing.
import { describe, expect, it } from "vitest";
import { problemOf, ProblemError } from "../../web/src/api/client";
import { SseParser } from "../../web/src/api/sse";
import type { JobSummary, LogLine } from "../../web/src/api/types";
import { formatDuration, jobDurationMs } from "../../web/src/lib/format";
import { countLabel, mergePolled } from "../../web/src/lib/job-list";
import { appendLogs } from "../../web/src/lib/live-job";

describe("SseParser", () => {
  it("splits events across chunks, joins data lines and skips comments", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\n\nevent: job\nid: 1\ndata: {\"a\"")).toEqual([]);
    expect(parser.push(":1}\n\nevent: logs\r\ndata: [1,\r\ndata: 2]\r\n\r\ndata: x\n")).toEqual([
      { event: "job", data: '{"a":1}', id: "1" },
      { event: "logs", data: "[1,\n2]", id: "1" },
    ]);
    expect(parser.push("\n")).toEqual([{ event: "message", data: "x", id: "1" }]);
  });

  it("takes a \\r\\n split between chunks for one line ending, not two", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\r")).toEqual([]);
    expect(parser.push("\ndata: b\r\n\r")).toEqual([{ event: "message", data: "a\nb", id: undefined }]);
    expect(parser.push("\nevent: end\ndata: {}\n\n")).toEqual([{ event: "end", data: "{}", id: undefined }]);
  });

  it("gives the same events whatever the chunk boundaries: one character at a time", () => {
    const stream = ": hello\r\nid: 7\r\nevent: logs\r\ndata: [1,\r\ndata:2]\r\n\r\n: ping\n\nevent: end\rdata: {}\r\r";
    const parser = new SseParser();
    const events = [...stream].flatMap((character) => parser.push(character));
    expect(events).toEqual([
      { event: "logs", data: "[1,\n2]", id: "7" },
      { event: "end", data: "{}", id: "7" },
    ]);
  });

  // What eventsource-parser brings that the console's own parser missed (WHATWG event-stream rules).
  it("strips a byte order mark at the start of the stream, even when it arrives alone", () => {
    const parser = new SseParser();
    expect(parser.push("\uFEFF")).toEqual([]);
    expect(parser.push("event: job\ndata: {}\n\n")).toEqual([{ event: "job", data: "{}", id: undefined }]);
  });

  it("ignores an id field that contains U+0000 and keeps the last good id", () => {
    const parser = new SseParser();
    expect(parser.push("id: 3\ndata: a\n\nid: 4\u00005\ndata: b\n\n")).toEqual([
      { event: "message", data: "a", id: "3" },
      { event: "message", data: "b", id: "3" },
    ]);
  });
});

const job = (jobId: string) => ({ jobId }) as JobSummary;

describe("mergePolled", () => {
  it("keeps older loaded rows below a fresh first page", () => {
    const merged = mergePolled([job("09"), job("08"), job("07")], [job("08"), job("07"), job("06"), job("05")], true);
    expect(merged.map((item) => item.jobId)).toEqual(["09", "08", "07", "06", "05"]);
  });

  it("takes the page alone when nothing more was loaded", () => {
    expect(mergePolled([job("02")], [job("01")], false).map((item) => item.jobId)).toEqual(["02"]);
  });

  it("labels counts, with 1,000+ when the count stopped at the cap", () => {
    expect(countLabel(undefined)).toBe("");
    expect(countLabel({ count: 3, more: false })).toBe("3");
    expect(countLabel({ count: 1000, more: true })).toBe("1,000+");
  });
});

describe("appendLogs", () => {
  const line = (seq: number) => ({ seq, at: "", level: "info", node: null, message: String(seq) }) as LogLine;
  it("appends only new sequence numbers and keeps the newest lines", () => {
    expect(appendLogs([line(1), line(2)], [line(2), line(3)]).lines.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    const trimmed = appendLogs([line(1), line(2)], [line(3), line(4)], 3);
    expect(trimmed.lines.map((entry) => entry.seq)).toEqual([2, 3, 4]);
    expect(trimmed.dropped).toBe(1);
  });
});

describe("durations", () => {
  it("runs from claim to end, or to now while running", () => {
    expect(jobDurationMs({ claimedAt: null, endedAt: null }, 0)).toBeNull();
    expect(jobDurationMs({ claimedAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T00:00:02Z" }, 0)).toBe(2000);
    expect(jobDurationMs({ claimedAt: "2026-01-01T00:00:00Z", endedAt: null }, Date.parse("2026-01-01T00:01:05Z"))).toBe(65_000);
    expect([formatDuration(null), formatDuration(450), formatDuration(12_340), formatDuration(65_000), formatDuration(7_380_000)]).toEqual([
      "—", "450 ms", "12.3 s", "1 min 05 s", "2 h 03 min",
    ]);
  });
});

describe("problemOf", () => {
  it("reads problem+json, and anything else as a readable problem", async () => {
    const problem = await problemOf(
      new Response(JSON.stringify({ type: "quota-exceeded", title: "Quota exceeded", status: 402, detail: "Free seconds used." }), { status: 402 }),
    );
    expect(problem).toMatchObject({ title: "Quota exceeded", detail: "Free seconds used.", status: 402 });
    expect(new ProblemError(problem).message).toBe("Quota exceeded: Free seconds used.");
    expect(await problemOf(new Response("upstream down", { status: 502, statusText: "Bad Gateway" }))).toMatchObject({
      title: "Bad Gateway",
      detail: "upstream down",
      status: 502,
    });
  });
});

describe("formatSeconds", () => {
  it("drops empty decimals and keeps two below ten seconds", async () => {
    const { formatSeconds } = await import("../../web/src/lib/format");
    expect([formatSeconds(0), formatSeconds(3600), formatSeconds(0.045), formatSeconds(12.34)]).toEqual(["0 s", "3,600 s", "0.05 s", "12.3 s"]);
  });
});
