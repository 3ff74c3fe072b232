// POST /api/connectors/{idOrAlias}/test: does the connector work from this Worker? `postgres` runs
// SELECT 1 through the DATABASE_* nodes' client (postgres.ts: the `postgres` package over Workers TCP
// sockets); `http` sends a GET to its baseUrl with its auth header. Both within 5 s. The answer says
// what happened in words a person can act on, and never carries the secret: every message is
// scrubbed of it first.
import { DatabaseError, PostgresClient, serverName } from "./postgres";
import type { HttpConfig, ResolvedConnector, ResolvedOf } from "./types";

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
    outcome = connector.type === "postgres" ? await probePostgres(connector) : await probeHttp(connector.config, connector.secret);
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

async function probePostgres(connector: ResolvedOf<"postgres">) {
  const { config } = connector;
  const client = new PostgresClient(connector);
  try {
    await client.query("SELECT 1", [], { timeoutMs: PROBE_TIMEOUT_MS });
    const as = config.hyperdrive !== undefined ? "" : `, database '${config.database}' as '${config.user}'`;
    return { ok: true, message: `Connected to ${serverName(connector)}${as}; SELECT 1 succeeded.` };
  } finally {
    // Closed at once, and not waited for beyond a moment: the answer must not hang on a dead socket.
    await Promise.race([client.close(), new Promise((resolve) => setTimeout(resolve, 200))]);
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
  // The client's own words: the SQLSTATE or connection code first ("ECONNREFUSED could not connect to …").
  if (error instanceof DatabaseError) return `${error.message}.`;
  const message = error instanceof Error ? error.message : String(error);
  const where =
    connector.type === "postgres" ? serverName(connector) : connector.config.baseUrl ? new URL(connector.config.baseUrl).host : "";
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
  const values = [...Object.values(connector.secret), connector.type === "postgres" ? connector.hyperdrive?.password : undefined].filter((value): value is string => typeof value === "string" && value.length > 0);
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
