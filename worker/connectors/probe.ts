// POST /api/connectors/{idOrAlias}/test: does the connector work from this Worker? `postgres` opens a
// connection (the `postgres` package over Workers TCP sockets) and runs SELECT 1; `http` sends a GET
// to its baseUrl with its auth header. Both within 5 s. The answer says what happened in words a
// person can act on, and never carries the secret: every message is scrubbed of it first.
import { connect } from "cloudflare:sockets";
import postgres from "postgres";
import type { HttpConfig, PostgresConfig, ResolvedConnector } from "./types";

export const PROBE_TIMEOUT_MS = 5000;

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  message: string;
}

class ProbeTimeout extends Error {}

export async function probeConnector(connector: ResolvedConnector): Promise<ProbeResult> {
  const started = Date.now();
  const scrub = redactor(connector);
  let outcome: { ok: boolean; message: string };
  try {
    outcome = connector.type === "postgres" ? await probePostgres(connector.config, connector.secret.password) : await probeHttp(connector.config, connector.secret);
  } catch (error) {
    outcome = { ok: false, message: describe(error, connector) };
  }
  return { ok: outcome.ok, latencyMs: Date.now() - started, message: scrub(outcome.message) };
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(`no answer from ${what} within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The `postgres` package's ssl option for the connector's mode; without one, TLS is required (credentials never cross the network in clear unless asked). */
function sslOption(mode: PostgresConfig["ssl"]) {
  if (mode === "disable") return false;
  return mode ?? "require";
}

async function probePostgres(config: PostgresConfig, password: string) {
  const port = config.port ?? 5432;
  const where = `${config.host}:${port}`;
  const sql = postgres({
    host: config.host,
    port,
    database: config.database,
    username: config.user,
    password,
    ssl: sslOption(config.ssl),
    max: 1,
    connect_timeout: PROBE_TIMEOUT_MS / 1000,
    prepare: false,
    fetch_types: false,
    onnotice: () => {},
  });
  try {
    await reachable(config.host, port);
    await withTimeout(sql`SELECT 1`, where);
    return { ok: true, message: `Connected to ${where}, database '${config.database}' as '${config.user}'; SELECT 1 succeeded.` };
  } finally {
    // Closed at once, and not waited for beyond a moment: the answer must not hang on a dead socket.
    await Promise.race([sql.end({ timeout: 0 }).catch(() => {}), new Promise((resolve) => setTimeout(resolve, 200))]);
  }
}

/**
 * Opens and closes a bare TCP connection first. A refused connection is then told in plain words, and
 * the driver never meets it: on workerd its socket layer reports such a failure a second time, after
 * the driver stopped listening, as an unhandled rejection.
 */
async function reachable(host: string, port: number) {
  const socket = connect({ hostname: host, port });
  // `closed` rejects too when the connection fails; `opened` is the one awaited.
  socket.closed.catch(() => {});
  try {
    await withTimeout(socket.opened, `${host}:${port}`);
  } finally {
    socket.close().catch(() => {});
  }
}

async function probeHttp(config: HttpConfig, secret: { token?: string; password?: string; value?: string }) {
  if (!config.baseUrl) {
    return { ok: false, message: "The connector has no baseUrl, so there is nothing to test; set config.baseUrl to an endpoint that checks the credentials." };
  }
  const [name, value] = authHeader(config, secret);
  // Redirects are not followed: the credentials are meant for baseUrl's origin, not wherever it points.
  const response = await withTimeout(
    fetch(config.baseUrl, { method: "GET", headers: { [name]: value, accept: "application/json, */*" }, redirect: "manual" }),
    new URL(config.baseUrl).origin,
  );
  await response.body?.cancel();
  const answered = `GET ${config.baseUrl} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  if (response.status === 401 || response.status === 403) return { ok: false, message: `${answered}: the credentials were refused.` };
  if (response.status >= 400) return { ok: false, message: `${answered}.` };
  return { ok: true, message: `${answered}.` };
}

function authHeader(config: HttpConfig, secret: { token?: string; password?: string; value?: string }): [string, string] {
  switch (config.auth) {
    case "bearer":
      return ["authorization", `Bearer ${secret.token ?? ""}`];
    case "basic":
      return ["authorization", `Basic ${base64(`${config.username ?? ""}:${secret.password ?? ""}`)}`];
    case "header":
      return [config.headerName ?? "x-api-key", secret.value ?? ""];
  }
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** A failure in plain words; workerd reports a refused or reset TCP connection as "Network connection lost". */
function describe(error: unknown, connector: ResolvedConnector): string {
  if (error instanceof ProbeTimeout) return `${error.message}.`;
  const message = error instanceof Error ? error.message : String(error);
  const where =
    connector.type === "postgres" ? `${connector.config.host}:${connector.config.port ?? 5432}` : connector.config.baseUrl ? new URL(connector.config.baseUrl).host : "";
  if (/network connection lost|ECONNREFUSED|connection refused|ECONNRESET|cannot connect to the specified address/i.test(message)) {
    return `Could not connect to ${where} (connection refused or reset).`;
  }
  if (/CONNECT_TIMEOUT/i.test(message) || (error as { code?: unknown })?.code === "CONNECT_TIMEOUT") {
    return `No answer from ${where} within ${PROBE_TIMEOUT_MS / 1000} s.`;
  }
  return `${connector.type === "postgres" ? `Postgres at ${where}` : `GET ${connector.config.baseUrl}`} failed: ${message}`;
}

/** Replaces the secret wherever it shows, as sent (also URL-encoded, and inside a Basic header's base64). */
function redactor(connector: ResolvedConnector): (text: string) => string {
  const values = Object.values(connector.secret).filter((value): value is string => typeof value === "string" && value.length > 0);
  const hidden = new Set<string>();
  for (const value of values) {
    hidden.add(value);
    hidden.add(encodeURIComponent(value));
    if (connector.type === "http" && connector.config.auth === "basic") hidden.add(base64(`${connector.config.username ?? ""}:${value}`));
  }
  // Longest first, so a secret containing another is replaced whole.
  const ordered = [...hidden].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((result, value) => result.split(value).join("[redacted]"), text);
}
