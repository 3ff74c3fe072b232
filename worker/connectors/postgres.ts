// A Postgres connector's client for the DATABASE_* nodes: the `postgres` driver over the Workers TCP
// socket API (cloudflare:sockets, which the driver picks itself on workerd), one connection at a time,
// values always bound as parameters, every call bounded by a timeout and the job's cancel signal.
// Errors become DatabaseError with the SQLSTATE first and a flag for the ones worth another attempt.
import postgres from "postgres";
import { driverSocket, type DriverSocket, type ServerFatal } from "./socket";
import type { ResolvedOf } from "./types";

type Connector = ResolvedOf<"postgres">;
type Sql = postgres.Sql<Record<string, never>>;
type Pending = ReturnType<Sql["unsafe"]>;

/** A backstop: a connection its owner never closes (see clientFor) closes after this long unused. */
export const IDLE_CLOSE_SECONDS = 5;
/** Opening a connection (TCP, TLS, authentication) gives up after this long; the node's own timeout also counts it. */
export const CONNECT_TIMEOUT_SECONDS = 10;

/** A failed call: `message` starts with the SQLSTATE (or the connection error's code) and never contains the password. */
export class DatabaseError extends Error {
  /** A passing failure (the connection dropped, a serialization failure, a deadlock): another attempt may work. */
  readonly transient: boolean;
  /** The connection is gone or unusable (refused, reset, the server ended the session). */
  readonly connectionLost: boolean;

  constructor(
    message: string,
    /** SQLSTATE (e.g. "42P01") or a connection error code (e.g. "ECONNREFUSED"); null when there is none. */
    readonly code: string | null,
    options: { transient: boolean; connectionLost?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "DatabaseError";
    this.transient = options.transient;
    this.connectionLost = options.connectionLost ?? false;
  }
}

/** The job's signal aborted the call; the query in flight was canceled and its connection dropped. */
export class QueryAborted extends Error {
  constructor() {
    super("aborted because the job was canceled");
    this.name = "QueryAborted";
  }
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface QueryResult {
  /** Plain JSON rows (dates as ISO text, bytea as \x hex, int8 and numeric as text, as the driver reads them). */
  rows: Record<string, unknown>[];
  /** True when the statement had more rows than `maxRows` (only those were read). */
  more: boolean;
}

/**
 * SQLSTATEs of passing failures: the server shut down or restarted the session, a connection
 * exception, too many connections, a serialization failure or a deadlock (the transaction was rolled
 * back and can simply run again).
 */
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01", "08000", "08001", "08003", "08004", "08006"]);
/** SQLSTATEs after which the session is over: the server shut it down (57P0x) or the connection failed (08xxx). */
const SESSION_ENDED = /^(57P0|08)/;
/** The driver's and the socket layer's codes for a connection that failed or went away. */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED"]);

/**
 * One connection to one connector's database (the driver's pool with `max: 1`), opened on first use
 * and reused by every DATABASE_* node of its owner (see clientFor) until close(), a call on it times
 * out or is aborted (it is then dropped, since the server may still be busy with it), the connection
 * fails, or it is unused for IDLE_CLOSE_SECONDS.
 */
export class PostgresClient {
  private sql: Sql | null = null;
  /** The socket of the connection opened last: it knows what a server said before it hung up. */
  private socket: DriverSocket | null = null;

  constructor(readonly connector: Connector) {}

  /** Runs one statement; with `maxRows`, reads at most that many rows through a cursor and says whether there were more. */
  async query(text: string, params: readonly unknown[], options: CallOptions & { maxRows?: number }): Promise<QueryResult> {
    return this.guarded(options, async (sql, track) => {
      const query = track(sql.unsafe(text, bind(params)));
      if (options.maxRows === undefined) return { rows: plainRows(await query), more: false };
      const limit = options.maxRows;
      const rows: Record<string, unknown>[] = [];
      let more = false;
      // Read in chunks so a huge result never sits in memory: stop as soon as it is over the limit.
      await query.cursor(Math.min(limit + 1, 1000), (chunk) => {
        for (const row of chunk) {
          if (rows.length === limit) {
            more = true;
            return sql.CLOSE;
          }
          rows.push(plainRow(row));
        }
      });
      return { rows, more };
    });
  }

  /** Runs the statement once per parameter set, all in one transaction (pipelined); resolves to the rows affected in all. */
  async execute(text: string, paramSets: readonly (readonly unknown[])[], options: CallOptions): Promise<number> {
    return this.guarded(options, async (sql, track) => {
      if (paramSets.length === 1) return (await track(sql.unsafe(text, bind(paramSets[0])))).count;
      const results = await sql.begin((transaction) => paramSets.map((params) => track(transaction.unsafe(text, bind(params)))));
      return results.reduce((total, result) => total + result.count, 0);
    });
  }

  /** Closes the connection (waiting at most a second for a call in flight). */
  async close(): Promise<void> {
    const sql = this.sql;
    this.sql = null;
    await sql?.end({ timeout: 1 }).catch(() => {});
  }

  private open(): Sql {
    if (this.sql) return this.sql;
    const { config, secret, hyperdrive } = this.connector;
    const options = {
      max: 1,
      idle_timeout: IDLE_CLOSE_SECONDS,
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      // Unnamed statements: nothing to collide with behind a transaction pooler or on a server that
      // multiplexes connections onto one session (PGlite's socket server); values are still bound.
      prepare: false,
      // Notices would go to the Worker's console by default; they are not the job's business.
      onnotice: () => {},
      connection: { application_name: "flowjobs" },
      // The driver's documented custom-socket option (missing from its types): a Workers TCP socket
      // whose failures reach the driver once (socket.ts).
      ...({ socket: (options: Parameters<typeof driverSocket>[0]) => (this.socket = driverSocket(options)) } as object),
    };
    // Through Hyperdrive, its connection string as the platform gives it (host, credentials, TLS mode):
    // Hyperdrive pools the connections to the origin and holds their TLS.
    this.sql = (
      hyperdrive
        ? postgres(hyperdrive.connectionString, options)
        : postgres({
            host: config.host,
            port: config.port ?? 5432,
            database: config.database,
            username: config.user,
            password: secret.password,
            ssl: sslMode(config.ssl),
            ...options,
          })
    ) as Sql;
    return this.sql;
  }

  /** Drops the connection at once: the server may still be running the canceled statement on it. */
  private discard(sql: Sql): void {
    if (this.sql === sql) this.sql = null;
    sql.end({ timeout: 0 }).catch(() => {});
  }

  /** Runs `work` on the connection, racing it against the timeout and the job's cancel. */
  private async guarded<T>(options: CallOptions, work: (sql: Sql, track: <Q extends Pending>(query: Q) => Q) => Promise<T>): Promise<T> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted) throw new QueryAborted();
    const sql = this.open();
    const inFlight: Pending[] = [];
    let stopped: Error | null = null;
    let stop!: (reason: Error) => void;
    const lost = new Promise<never>((_, reject) => (stop = (reason) => reject((stopped = reason))));
    const timer = setTimeout(() => stop(new DatabaseError(`no answer within ${timeoutMs} ms (timeoutMs)`, "TIMEOUT", { transient: true })), timeoutMs);
    const onAbort = () => stop(new QueryAborted());
    signal?.addEventListener("abort", onAbort, { once: true });
    const running = work(sql, (query) => {
      inFlight.push(query);
      return query;
    });
    // Once the race is lost the work still settles (canceled or destroyed): nobody waits for it then.
    running.catch(() => {});
    try {
      return await Promise.race([running, lost]);
    } catch (error) {
      if (error !== stopped) {
        const failure = describeError(error, this.connector, this.socket?.lastFatal ?? null);
        // A connection that failed starts afresh: the driver would otherwise hand a server's last
        // words on a dead connection (a FATAL 57P01) to the next statement on the new one.
        if (failure.connectionLost) this.discard(sql);
        throw failure;
      }
      // Ask the server to stop the statement (a CancelRequest on a second connection), then drop this
      // connection without waiting for the answer: a cancel must end the job within about a second.
      for (const query of inFlight) Promise.resolve(query.cancel()).catch(() => {});
      this.discard(sql);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** Clients by connector id, per owner. */
const clientsByOwner = new WeakMap<object, Map<string, PostgresClient>>();

/**
 * The client for `connector` that `owner` uses: created on first use and reused while the connector
 * stays the same (a changed config or password gets a new connection). The DATABASE_* nodes pass the
 * slice's abort signal as the owner, and the runner closes a slice's clients when the slice ends
 * (closeClients in JobRunner.executeSlice): a job holds at most one connection per connector, for the
 * nodes of one slice, and none between alarms (so nothing open keeps its object from being evicted).
 */
export function clientFor(owner: object, connector: Connector): PostgresClient {
  let clients = clientsByOwner.get(owner);
  if (!clients) {
    clients = new Map();
    clientsByOwner.set(owner, clients);
  }
  const existing = clients.get(connector.id);
  if (existing && sameConnector(existing.connector, connector)) return existing;
  existing?.close();
  const client = new PostgresClient(connector);
  clients.set(connector.id, client);
  return client;
}

/** Closes every connection `owner` opened. */
export async function closeClients(owner: object): Promise<void> {
  const clients = clientsByOwner.get(owner);
  clientsByOwner.delete(owner);
  await Promise.all([...(clients?.values() ?? [])].map((client) => client.close()));
}

function sameConnector(a: Connector, b: Connector): boolean {
  return JSON.stringify(a.config) === JSON.stringify(b.config) && a.secret.password === b.secret.password;
}

/** The connector's `ssl` in the driver's terms; TLS unless the connector says "disable". */
function sslMode(ssl: Connector["config"]["ssl"]): false | "require" | "verify-full" {
  if (ssl === "disable") return false;
  return ssl ?? "require";
}

/**
 * Parameters as the driver sends them, untyped so the server infers each from its use: text, numbers
 * and booleans as they are, objects and arrays as JSON text (cast with $1::jsonb).
 */
function bind(params: readonly unknown[]): postgres.ParameterOrJSON<never>[] {
  return params.map((value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "object") return JSON.stringify(value);
    return value as string | number | boolean;
  });
}

function plainRows(rows: readonly postgres.Row[]): Record<string, unknown>[] {
  return rows.map(plainRow);
}

function plainRow(row: postgres.Row): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(row)) plain[key] = plainValue(row[key]);
  return plain;
}

/** Row values as JSON the checkpoint can hold and a resumed run sees the same way. */
function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Array.from(value, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === "object") {
    const plain: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) plain[key] = plainValue(item);
    return plain;
  }
  return value;
}

/** Where the connector connects, for messages: host:port, or its Hyperdrive binding (never a credential). */
export function serverName(connector: Connector): string {
  const { config } = connector;
  return config.hyperdrive !== undefined ? `Hyperdrive binding '${config.hyperdrive}'` : `${config.host}:${config.port ?? 5432}`;
}

/** A driver or server error in a flow author's words: the SQLSTATE or connection code first, then what happened. */
export function describeError(error: unknown, connector: Connector, serverFatal: ServerFatal | null = null): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const where = serverName(connector);
  const fields = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; severity?: unknown; detail?: unknown; hint?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof fields.code === "string" ? fields.code : null;
  if (code !== null && /^[0-9A-Z]{5}$/.test(code) && typeof fields.severity === "string") {
    // A server error: the SQLSTATE, its message, and the detail (e.g. which key already exists).
    const detail = typeof fields.detail === "string" && fields.detail ? ` (${fields.detail})` : "";
    return new DatabaseError(`${code} ${message}${detail}`, code, { transient: TRANSIENT_SQLSTATES.has(code), connectionLost: SESSION_ENDED.test(code), cause: error });
  }
  if (code !== null && CONNECTION_CODES.has(code) && serverFatal) {
    // The server said why before it closed the connection: that is the error.
    return new DatabaseError(`${serverFatal.code} ${serverFatal.message}`, serverFatal.code, {
      transient: TRANSIENT_SQLSTATES.has(serverFatal.code),
      connectionLost: true,
      cause: error,
    });
  }
  if (code !== null && CONNECTION_CODES.has(code)) {
    return new DatabaseError(`${code} ${connectionProblem(code, where)}`, code, { transient: true, connectionLost: true, cause: error });
  }
  // Workers' sockets report a refused or reset connection only in words.
  const named = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/.exec(message)?.[0];
  if (named) return new DatabaseError(`${named} ${connectionProblem(named, where)}`, named, { transient: true, connectionLost: true, cause: error });
  if (/cannot connect to the specified address|connection refused/i.test(message)) {
    return new DatabaseError(`ECONNREFUSED ${connectionProblem("ECONNREFUSED", where)}`, "ECONNREFUSED", { transient: true, connectionLost: true, cause: error });
  }
  if (/network connection lost|connection (was )?(closed|reset)|socket.*closed/i.test(message)) {
    return new DatabaseError(`ECONNRESET ${connectionProblem("ECONNRESET", where)} (${message})`, "ECONNRESET", { transient: true, connectionLost: true, cause: error });
  }
  return new DatabaseError(code ? `${code} ${message}` : message, code, { transient: false, cause: error });
}

function connectionProblem(code: string, where: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return `could not connect to ${where} (connection refused, or nothing reachable there)`;
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return `could not connect to ${where} within ${CONNECT_TIMEOUT_SECONDS} s`;
    default:
      return `the connection to ${where} was lost`;
  }
}
