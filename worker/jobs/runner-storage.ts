// The JobRunner's own SQLite storage: numbered schema steps, the job snapshot, the control record
// and the job's log lines. The checkpoint stored here is the source of truth for what runs next.
import type { Checkpoint } from "../flow/engine";
import type { LogLine } from "../flow/engine";
import type { Status } from "./states";

/** What the dispatcher hands the runner: everything it needs, so it never reads D1 to run. */
export interface RunnerInit {
  jobId: string;
  accountId: string;
  spaceId: string;
  ruleId: string;
  ruleVersion: number;
  /** The flow definition as JSON text: the runner's own snapshot, unaffected by later versions. */
  definition: string;
  /** The job input as JSON text. */
  input: string;
  attempt: number;
}

/** A slice's execution time waiting to be mirrored (and charged) in D1. */
export interface PendingCharge {
  slice: number;
  ms: number;
  endedAt: number;
}

export interface Control {
  phase: "running" | "final";
  executionMs: number;
  slices: number;
  sleepingUntil: number | null;
  cancelRequest: { by: string; at: number } | null;
  pendingCharges: PendingCharge[];
  /** Set once the job has ended; the D1 mirror of it is retried until it lands. */
  final: { status: Status; output: unknown; error: { node: string | null; message: string } | null; endedAt: number } | null;
  finalMirrored: boolean;
  droppedLogLines: number;
  mirrorFailures: number;
}

export interface LogItem {
  seq: number;
  at: string;
  level: string;
  node: string | null;
  message: string;
  /** Parsed JSON. Typed loosely: a recursive JSON type is too deep for the RPC stub's types. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
}

export interface LogPage {
  items: LogItem[];
  next: number | null;
}

export const LOG_LINE_LIMIT_BYTES = 8 * 1024;
export const LOG_LINES_PER_JOB = 10_000;

/** Durable Object storage schema steps, applied in order and recorded; never edited once shipped. */
const SCHEMA_STEPS: ((sql: SqlStorage) => void)[] = [
  (sql) =>
    sql.exec(`CREATE TABLE logs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      level TEXT NOT NULL,
      node TEXT,
      message TEXT NOT NULL,
      data TEXT
    )`),
];

export class RunnerStorage {
  constructor(private readonly storage: DurableObjectStorage) {
    this.migrate();
  }

  private migrate() {
    const applied = this.storage.kv.get<number>("schemaVersion") ?? 0;
    for (let step = applied; step < SCHEMA_STEPS.length; step++) {
      SCHEMA_STEPS[step](this.storage.sql);
      this.storage.kv.put("schemaVersion", step + 1);
    }
  }

  get init(): RunnerInit | undefined {
    return this.storage.kv.get<RunnerInit>("init");
  }

  set init(value: RunnerInit) {
    this.storage.kv.put("init", value);
  }

  get checkpoint(): Checkpoint | undefined {
    return this.storage.kv.get<Checkpoint>("checkpoint");
  }

  set checkpoint(value: Checkpoint) {
    this.storage.kv.put("checkpoint", value);
  }

  /**
   * The control record, loaded once per instance. Every handler (a slice, a cancel request) mutates
   * this one object and saves it, so a slice that resumes after an await cannot write back a stale
   * copy over what a concurrent request recorded.
   */
  get control(): Control | undefined {
    this.cachedControl ??= this.storage.kv.get<Control>("control");
    return this.cachedControl;
  }

  set control(value: Control) {
    this.cachedControl = value;
    this.storage.kv.put("control", value);
  }

  saveControl(): void {
    if (this.cachedControl) this.storage.kv.put("control", this.cachedControl);
  }

  private cachedControl: Control | undefined;

  /** After deleteAll: drop what this instance remembers of the deleted storage. */
  forget(): void {
    this.cachedControl = undefined;
  }

  /** A cancel that arrived before the dispatcher's start call (both can race after a claim). */
  get earlyCancel(): { by: string; at: number } | undefined {
    return this.storage.kv.get("earlyCancel");
  }

  set earlyCancel(value: { by: string; at: number }) {
    this.storage.kv.put("earlyCancel", value);
  }

  appendLog(line: LogLine, at: number, control: Control): void {
    const count = this.logCount();
    if (count >= LOG_LINES_PER_JOB) {
      control.droppedLogLines++;
      return;
    }
    if (count === LOG_LINES_PER_JOB - 1) {
      control.droppedLogLines++;
      this.insertLog(at, "warn", null, `Log limit of ${LOG_LINES_PER_JOB} lines reached; later lines are dropped.`);
      return;
    }
    this.insertLog(at, line.level, line.node, line.message, line.data);
  }

  private insertLog(at: number, level: string, node: string | null, message: string, data?: unknown) {
    const text = truncate(message, LOG_LINE_LIMIT_BYTES);
    const dataText = data === undefined ? null : truncate(JSON.stringify(data), LOG_LINE_LIMIT_BYTES);
    this.storage.sql.exec(
      "INSERT INTO logs (at, level, node, message, data) VALUES (?, ?, ?, ?, ?)",
      at,
      level,
      node,
      text,
      dataText,
    );
  }

  private logCount(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM logs").one().n;
  }

  logs(after: number, limit: number): LogPage {
    const rows = this.storage.sql
      .exec<{ seq: number; at: number; level: string; node: string | null; message: string; data: string | null }>(
        "SELECT seq, at, level, node, message, data FROM logs WHERE seq > ? ORDER BY seq LIMIT ?",
        after,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({
        seq: row.seq,
        at: new Date(row.at).toISOString(),
        level: row.level,
        node: row.node,
        message: row.message,
        ...(row.data === null ? {} : { data: safeParse(row.data) }),
      })),
      next: rows.length > limit ? page[page.length - 1].seq : null,
    };
  }
}

function truncate(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  const marker = "…[truncated]";
  return new TextDecoder().decode(bytes.slice(0, maxBytes - 16)).replace(/\uFFFD$/, "") + marker;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Data was truncated to the line limit: show it as the text it is.
    return text;
  }
}
