// The JobRunner's own SQLite storage: numbered schema steps, the job snapshot, the control record
// and the job's log lines. The checkpoint stored here is the source of truth for what runs next.
import type { Checkpoint, LogLine, LoopPosition } from "../flow/engine";
import { PIECE_TABLES, PieceStore } from "./piece-store";
import type { Status } from "./states";
import { checkStoredSize, STORAGE_VALUE_LIMIT_BYTES } from "./storage-limits";

/** What the dispatcher hands the runner: everything it needs, so it never reads D1 to run. */
export interface RunnerInit {
  jobId: string;
  accountId: string;
  /** The job shard of the account: where the runner mirrors. */
  shard: string;
  spaceId: string;
  ruleId: string;
  ruleVersion: number;
  /** The flow definition as JSON text: the runner's own snapshot, unaffected by later versions. */
  definition: string;
  /** The job input as JSON text. */
  input: string;
  attempt: number;
}

/** The small part of the init kept as one value; the definition and input are pieces (any size). */
export type RunnerHeader = Omit<RunnerInit, "definition" | "input">;

/** A slice's execution time waiting to be mirrored (and charged) in D1. */
export interface PendingCharge {
  slice: number;
  ms: number;
  endedAt: number;
}

/** How the job ended: written once, mirrored to D1 until that lands. The output is a piece of its own (it may be 1 MiB, 2 MB as UTF-16). */
export interface FinalRecord {
  status: Status;
  error: { node: string | null; message: string } | null;
  endedAt: number;
}

/**
 * Slice attempts on the current checkpoint (the poison-slice rule): counted in storage before a
 * slice runs and cleared when it commits, so a slice that kills the isolate (over the CPU or memory
 * limit) is counted too. `lastError` is the last failure seen, `node` where it happened.
 */
export interface Attempts {
  count: number;
  lastError: string | null;
  node: string | null;
  /** When the next attempt may run (backoff), or null. */
  retryAt: number | null;
}

export interface CancelRequest {
  by: string;
  at: number;
  /** Set when the system, not a user, canceled the job: its status message. */
  systemReason?: string;
}

export interface Control {
  phase: "running" | "final";
  /** When the runner started (epoch ms): `maxDurationSeconds` counts from here. */
  startedAt: number;
  /** `startedAt + maxDurationSeconds`, or null when the flow sets no limit. */
  deadline: number | null;
  executionMs: number;
  slices: number;
  sleepingUntil: number | null;
  cancelRequest: CancelRequest | null;
  pendingCharges: PendingCharge[];
  final: FinalRecord | null;
  finalMirrored: boolean;
  droppedLogLines: number;
  mirrorFailures: number;
  /**
   * Progress at the last committed slice: what D1 mirrors, even when the engine cannot be rebuilt.
   * `loop` is absent in records stored before it existed: read as null.
   */
  progress: { steps: number; currentNode: string | null; loop?: LoopPosition | null };
  attempts: Attempts;
  /** When progress and charges last reached D1 (epoch ms); null before the first mirror. Absent in older records. */
  lastMirrorAt?: number | null;
  /** Passing platform failures in a row (D1 unavailable, an object reset): retried with backoff, never fatal. */
  passingFailures: number;
  /** When the first slice began and the final state reached D1 (epoch ms): the job's phases, for the console and the benchmark. Absent in older records. */
  firstSliceAt?: number;
  finalMirroredAt?: number;
  /** When the trigger that hands the job's slot on was sent. */
  handedOverAt?: number;
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
const SCHEMA_STEPS: ((storage: RunnerStorage) => void)[] = [
  (store) =>
    store.sql.exec(`CREATE TABLE logs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      level TEXT NOT NULL,
      node TEXT,
      message TEXT NOT NULL,
      data TEXT
    )`),
  // State in pieces (piece-store.ts). A runner stored before this step kept the init and the whole
  // checkpoint as two values; they are moved into pieces, and the control record gains its new fields.
  (store) => {
    for (const table of PIECE_TABLES) store.sql.exec(table);
    const legacyInit = store.kv.get<RunnerInit>("init");
    if (legacyInit && typeof legacyInit.definition === "string") {
      const { definition, input, ...header } = legacyInit;
      store.pieces.writeText("init/definition", definition);
      store.pieces.writeText("init/input", input);
      store.kv.put("init", header);
    }
    const legacyCheckpoint = store.kv.get<Checkpoint>("checkpoint");
    if (legacyCheckpoint) {
      store.pieces.saveCheckpoint(legacyCheckpoint);
      store.kv.delete("checkpoint");
    }
    const legacyControl = store.kv.get<Control & { final: (FinalRecord & { output?: unknown }) | null }>("control");
    if (legacyControl) {
      if (legacyControl.final && "output" in legacyControl.final) {
        store.pieces.writeText("final/output", JSON.stringify(legacyControl.final.output ?? null));
        delete legacyControl.final.output;
      }
      store.kv.put("control", {
        ...legacyControl,
        startedAt: legacyControl.startedAt ?? Date.now(),
        deadline: legacyControl.deadline ?? null,
        progress: legacyControl.progress ?? { steps: legacyCheckpoint?.steps ?? 0, currentNode: null },
        attempts: legacyControl.attempts ?? { count: 0, lastError: null, node: null, retryAt: null },
        passingFailures: legacyControl.passingFailures ?? 0,
      });
    }
  },
];

export class RunnerStorage {
  /** The enforced per-value limit; tests lower it to trip it on purpose. */
  valueLimitBytes = STORAGE_VALUE_LIMIT_BYTES;
  readonly pieces: PieceStore;

  constructor(private readonly storage: DurableObjectStorage) {
    this.pieces = new PieceStore({
      read: (query, ...bindings) => (this.schemaForRead() ? (this.storage.sql.exec(query, ...bindings).toArray() as never) : []),
      write: (what, query, ...bindings) => {
        checkStoredSize(bindings, this.valueLimitBytes, `a stored value (${what})`);
        this.schemaForWrite();
        this.storage.sql.exec(query, ...bindings);
      },
    });
  }

  /**
   * The schema is created by the first write, not when the object is: a runner reached only by
   * reads — a waiting read of a job that never started (GET /job/{id}?wait= on a WAITING job later
   * canceled), a console look — stores nothing, so nothing is left that retention would not empty.
   */
  private schemaReady = false;

  private schemaForWrite(): void {
    if (this.schemaReady) return;
    // Marked first: the steps themselves read and write pieces (a legacy runner's state moved in).
    this.schemaReady = true;
    try {
      this.migrate();
    } catch (error) {
      this.schemaReady = false;
      throw error;
    }
  }

  /** Whether there are tables to read: a runner that never wrote has none, and reads as empty. */
  private schemaForRead(): boolean {
    if (this.schemaReady) return true;
    if (this.storage.kv.get<number>("schemaVersion") === undefined) return false;
    // A runner stored under older steps is brought up to date before it is read.
    this.schemaForWrite();
    return true;
  }

  get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** The sync key-value API with production's size limit applied to every write. */
  readonly kv = {
    get: <T>(key: string): T | undefined => this.storage.kv.get<T>(key),
    put: (key: string, value: unknown): void => {
      checkStoredSize([key, value], this.valueLimitBytes, `the value '${key}'`);
      this.storage.kv.put(key, value);
    },
    delete: (key: string): void => {
      this.storage.kv.delete(key);
    },
  };

  private migrate() {
    const applied = this.storage.kv.get<number>("schemaVersion") ?? 0;
    if (applied >= SCHEMA_STEPS.length) return;
    // All pending steps in one transaction: a new runner (one per job) creates its schema in one commit.
    this.storage.transactionSync(() => {
      for (let step = applied; step < SCHEMA_STEPS.length; step++) SCHEMA_STEPS[step](this);
      this.storage.kv.put("schemaVersion", SCHEMA_STEPS.length);
    });
  }

  /** All-or-nothing: a throw inside rolls back every write made in it. */
  transaction<T>(work: () => T): T {
    // The schema's own steps commit before, not inside, the work's transaction.
    this.schemaForWrite();
    return this.storage.transactionSync(work);
  }

  get init(): RunnerInit | undefined {
    const header = this.kv.get<RunnerHeader>("init");
    if (!header) return undefined;
    const definition = this.pieces.readText("init/definition");
    const input = this.pieces.readText("init/input");
    if (definition === undefined || input === undefined) return undefined;
    return { ...header, definition, input };
  }

  /** Whether the runner was started (cheap: reads only the header). */
  get started(): boolean {
    return this.kv.get("init") !== undefined;
  }

  /** The job's identity without its definition and input. */
  get header(): RunnerHeader | undefined {
    return this.kv.get<RunnerHeader>("init");
  }

  set init(value: RunnerInit) {
    const { definition, input, ...header } = value;
    this.pieces.writeText("init/definition", definition);
    this.pieces.writeText("init/input", input);
    this.kv.put("init", header);
  }

  hasCheckpoint(): boolean {
    return this.pieces.hasCheckpoint();
  }

  loadCheckpoint(): Checkpoint | undefined {
    return this.pieces.loadCheckpoint();
  }

  /** Writes what changed in the checkpoint since the last save or load. */
  saveCheckpoint(checkpoint: Checkpoint): void {
    this.pieces.saveCheckpoint(checkpoint);
  }

  set finalOutput(output: unknown) {
    this.pieces.writeText("final/output", JSON.stringify(output ?? null));
  }

  get finalOutput(): unknown {
    const text = this.pieces.readText("final/output");
    return text === undefined ? null : JSON.parse(text);
  }

  /**
   * The control record, loaded once per instance. Every handler (a slice, a cancel request) mutates
   * this one object and saves it, so a slice that resumes after an await cannot write back a stale
   * copy over what a concurrent request recorded.
   */
  get control(): Control | undefined {
    this.cachedControl ??= this.kv.get<Control>("control");
    return this.cachedControl;
  }

  set control(value: Control) {
    this.cachedControl = value;
    this.kv.put("control", value);
  }

  saveControl(): void {
    if (this.cachedControl) this.kv.put("control", this.cachedControl);
  }

  /** Writes `value` as the control record without making it the cached one (the caller copies it over once the transaction commits). */
  writeControl(value: Control): void {
    this.kv.put("control", value);
  }

  /** After a failed transaction: what the piece store remembers may be ahead of what is stored. */
  discardUnsaved(): void {
    this.pieces.reset();
  }

  private cachedControl: Control | undefined;

  /** After deleteAll: drop what this instance remembers of the deleted storage. */
  forget(): void {
    this.cachedControl = undefined;
    this.schemaReady = false;
  }

  /** A cancel that arrived before the dispatcher's start call (both can race after a claim). */
  get earlyCancel(): CancelRequest | undefined {
    return this.kv.get("earlyCancel");
  }

  set earlyCancel(value: CancelRequest) {
    this.kv.put("earlyCancel", value);
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
    const row = [at, level, node, text, dataText] as const;
    checkStoredSize(row, this.valueLimitBytes, "a log line");
    this.schemaForWrite();
    this.storage.sql.exec("INSERT INTO logs (at, level, node, message, data) VALUES (?, ?, ?, ?, ?)", ...row);
  }

  private logCount(): number {
    if (!this.schemaForRead()) return 0;
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM logs").one().n;
  }

  logs(after: number, limit: number): LogPage {
    if (!this.schemaForRead()) return { items: [], next: null };
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
