// REST_API: calls an HTTP endpoint. Network errors, 5xx and 429 are retried `retries` times with
// exponential backoff; a cancel of the job aborts the call in flight. Output: { status, ok, headers,
// data } with `data` parsed when the answer is JSON. A non-2xx answer fails the node unless
// `failOnError: false`. A call may run again after an eviction mid-call, as with any at-least-once step.
import { z } from "zod";
import { FlowFailure } from "../failure";
import { expressionsIn, kindOf, parseNodeData, type NodeHandler } from "./handler";
import { attempt, pause, type AttemptOutcome, type HttpRequest } from "./rest-attempt";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Backoff never waits longer than this between two attempts. */
const MAX_RETRY_DELAY_MS = 10_000;

export const RestApiData = z.object({
  method: z.preprocess((value) => (typeof value === "string" ? value.toUpperCase() : value), z.enum(METHODS)).default("GET"),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().max(300_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(0),
  /** The first backoff; each later one doubles, up to MAX_RETRY_DELAY_MS. */
  retryDelayMs: z.number().int().nonnegative().max(MAX_RETRY_DELAY_MS).default(200),
  failOnError: z.boolean().default(true),
});
type RestApiData = z.infer<typeof RestApiData>;

export interface RestApiOutput {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  data: unknown;
  /** Only when no HTTP answer came (`failOnError: false`): why. */
  error?: string;
}

export const restApiNode: NodeHandler = {
  dataSchema: RestApiData,
  *expressions(data: RestApiData) {
    yield ["url", data.url];
    yield* expressionsIn("headers", data.headers);
    if (data.body !== undefined) yield ["body", data.body];
  },

  async run({ node, evaluate, services }) {
    const data = parseNodeData(node, RestApiData);
    const request = await buildRequest(data, evaluate);
    const what = `${data.method} ${displayUrl(request.url)}`;
    const fetcher = services.fetch ?? ((input, init) => fetch(input, init));
    const attempts = data.retries + 1;
    let outcome: AttemptOutcome | undefined;
    let made = 0;
    while (made < attempts) {
      if (made > 0) await pause(Math.min(data.retryDelayMs * 2 ** (made - 1), MAX_RETRY_DELAY_MS), services.signal, what);
      const startedAt = Date.now();
      outcome = await attempt(fetcher, request, data.timeoutMs, services.signal, what);
      made++;
      const retryable = outcome.kind === "network-error" || outcome.status >= 500 || outcome.status === 429;
      const result = outcome.kind === "response" ? `answered ${outcome.status}` : `failed: ${outcome.reason}`;
      services.log({
        level: retryable || (outcome.kind === "response" && outcome.status >= 400) ? "warn" : "info",
        node: node.name,
        message: `${what} ${result} (attempt ${made} of ${attempts}, ${Date.now() - startedAt} ms)`,
      });
      if (!retryable) break;
    }
    return finish(data, outcome!, made, what, (line) => services.log({ ...line, node: node.name }));
  },
};

async function buildRequest(data: RestApiData, evaluate: (expression: string, field: string) => Promise<unknown>): Promise<HttpRequest> {
  const url = await evaluate(data.url, "url");
  if (typeof url !== "string") throw new FlowFailure(`url: expected a text URL, got ${kindOf(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new FlowFailure(`url: ${JSON.stringify(url)} is not an absolute URL such as "https://api.example.com/orders"`, { cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new FlowFailure(`url: only http and https URLs can be called, not ${parsed.protocol}`);

  const headers: Record<string, string> = {};
  for (const [name, expression] of Object.entries(data.headers ?? {})) {
    const value = await evaluate(expression, `headers.${name}`);
    // A header whose expression finds nothing is left out, so optional headers need no SWITCH.
    if (value !== null) headers[name.toLowerCase()] = typeof value === "string" ? value : JSON.stringify(value);
  }
  let body: string | undefined;
  if (data.body !== undefined) {
    if (data.method === "GET" || data.method === "HEAD") throw new FlowFailure(`body: a ${data.method} request cannot have a body`);
    const value = await evaluate(data.body, "body");
    if (typeof value === "string") {
      body = value;
    } else {
      body = JSON.stringify(value);
      headers["content-type"] ??= "application/json";
    }
  }
  return { method: data.method, url: parsed.href, headers, body };
}

function finish(data: RestApiData, outcome: AttemptOutcome, made: number, what: string, log: (line: { level: "error"; message: string; data?: unknown }) => void) {
  const tries = `${made} attempt${made === 1 ? "" : "s"}`;
  if (outcome.kind === "network-error") {
    const message = `${what} got no answer after ${tries}: ${outcome.reason}`;
    if (data.failOnError) throw new FlowFailure(message);
    return { kind: "done" as const, output: { status: 0, ok: false, headers: {}, data: null, error: message } satisfies RestApiOutput };
  }
  const ok = outcome.status >= 200 && outcome.status < 300;
  const output: RestApiOutput = { status: outcome.status, ok, headers: outcome.headers, data: parseBody(outcome.text, outcome.headers["content-type"]) };
  if (!ok && data.failOnError) {
    log({ level: "error", message: `${what} answered ${outcome.status}; response body follows`, data: { status: outcome.status, body: outcome.text.slice(0, 2000) } });
    throw new FlowFailure(`${what} answered ${outcome.status} after ${tries}`);
  }
  return { kind: "done" as const, output };
}

/** JSON when the server says so (application/json, application/problem+json, …), else the text. */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === "") return null;
  if (!contentType || !/[/+]json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A server that labels non-JSON as JSON: keep what it sent rather than fail the flow.
    return text;
  }
}

/** The URL for messages and logs: query strings often carry API keys, so their values are left out. */
function displayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? "?…" : ""}`;
}
