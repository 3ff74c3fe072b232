// REST_API: calls an HTTP endpoint, or, with `items`, one request per item with at most
// `concurrency` in flight. Network errors, 5xx and 429 are retried `retries` times (each request on
// its own) with exponential backoff; a cancel of the job aborts every call in flight. Output:
// { status, ok, headers, data } with `data` parsed when the answer is JSON, or { responses: [those,
// in item order] }. A non-2xx answer fails the node unless `failOnError: false`. With `connector`, an
// http connector's credentials become the auth header (rest-credential.ts). A fan-out longer than a
// slice stops part-way and continues in the next (fanOut). A call may run again after an eviction
// mid-call, as with any at-least-once step.
import { z } from "zod";
import { FlowFailure } from "../failure";
import type { EngineServices } from "../services";
import { connectorAlias, expression } from "./fields";
import { expressionsIn, kindOf, parseNodeData, type NodeContext, type NodeHandler, type NodeResult } from "./handler";
import { attempt, CallCanceled, pause, type AttemptOutcome, type HttpRequest } from "./rest-attempt";
import { checkOrigin, credentialOf, urlWithBase, type Credential } from "./rest-credential";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Backoff never waits longer than this between two attempts. */
const MAX_RETRY_DELAY_MS = 10_000;
/** Requests in flight at once for one node: enough to hide latency, few enough not to flood an API. */
export const MAX_CONCURRENCY = 50;
/** Items one node calls for; past it a FOREACH around smaller batches keeps each node output small. */
export const MAX_ITEMS = 10_000;
/** The answers of a fan-out together: they are one node output, kept in the checkpoint and in memory. */
export const FAN_OUT_LIMIT_BYTES = 4 * 1024 * 1024;

export const RestApiData = z.object({
  method: z.preprocess((value) => (typeof value === "string" ? value.toUpperCase() : value), z.enum(METHODS)).default("GET"),
  url: expression().min(1).describe("An expression: a literal URL goes in quotes"),
  headers: z.record(z.string(), expression()).optional(),
  body: expression().min(1).optional().describe("The request body (objects are sent as JSON)"),
  timeoutMs: z.number().int().positive().max(300_000).default(30_000),
  retries: z.number().int().nonnegative().max(10).default(0),
  /** The first backoff; each later one doubles, up to MAX_RETRY_DELAY_MS. */
  retryDelayMs: z.number().int().nonnegative().max(MAX_RETRY_DELAY_MS).default(200),
  failOnError: z.boolean().default(true),
  /** Alias of an http connector of the job's space. */
  connector: connectorAlias("http").min(1).optional().describe("An http connector whose credentials become the auth header"),
  /** An array: one request per item, `url`, `headers` and `body` seeing `<name>.item` and `<name>.index`. */
  items: expression().min(1).optional().describe("An array: one request per item (<name>.item, <name>.index)"),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(1),
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

/** The output with `items`: one answer per item, in item order whatever order they came in. */
export interface RestApiFanOutOutput {
  responses: RestApiOutput[];
}

export const restApiNode: NodeHandler = {
  dataSchema: RestApiData,
  *expressions(data: RestApiData) {
    if (data.items !== undefined) yield ["items", data.items];
    yield ["url", data.url];
    yield* expressionsIn("headers", data.headers);
    if (data.body !== undefined) yield ["body", data.body];
  },
  *connectors(data: RestApiData) {
    if (data.connector !== undefined) yield ["connector", data.connector, "http"];
  },

  async run(context) {
    const data = parseNodeData(context.node, RestApiData);
    const credential = data.connector === undefined ? undefined : await connectorCredential(context.services, data.connector);
    if (data.items !== undefined) return fanOut(context, data, data.items, credential);
    const request = await buildRequest(data, context.evaluate, credential);
    const { output } = await call(context, data, request, context.services.signal, "");
    return { kind: "done", output };
  },
};

async function connectorCredential(services: EngineServices, alias: string): Promise<Credential> {
  if (!services.connector) throw new FlowFailure(`connector '${alias}': this job cannot use connectors`);
  return credentialOf(await services.connector(alias, "http"));
}

/** What a fan-out that stopped part-way keeps beside its answers: their size so far. */
interface FanOutProgress {
  bytes: number;
}

/**
 * One request per item, `concurrency` at a time, each retried on its own. The first failure (with
 * failOnError) fails the node naming its item and aborts the rest: the node fails anyway, so
 * nothing else in flight is worth waiting for. The job's cancel aborts them all the same way.
 *
 * When the slice's budget is spent (EngineServices.sliceSpent) no further item starts: those in
 * flight finish, and the node returns `partial` with the answers of the items before the first
 * not started — so the slice commits them, and a slice lost later calls again only what came after.
 * It continues from there in the next slice (`items` is evaluated again: nothing changes the context
 * in between, so it is the same array unless it reads the clock).
 */
async function fanOut(context: NodeContext, data: RestApiData, itemsExpression: string, credential: Credential | undefined): Promise<NodeResult> {
  const items = await context.evaluate(itemsExpression, "items");
  if (!Array.isArray(items)) {
    throw new FlowFailure(`items: expected an array, one request per item, got ${kindOf(items)} (end a path with [] to always get an array, e.g. orders[amount > 5][])`);
  }
  if (items.length > MAX_ITEMS) throw new FlowFailure(`items: ${items.length} items, more than the ${MAX_ITEMS} one node calls for; loop over batches with a FOREACH`);

  const stop = new AbortController();
  const cancel = context.services.signal;
  const onCancel = () => stop.abort(cancel?.reason);
  if (cancel?.aborted) onCancel();
  else cancel?.addEventListener("abort", onCancel, { once: true });

  const resumed = context.resumed as { output: RestApiFanOutOutput; progress: FanOutProgress } | undefined;
  // The answers of items 0 … length - 1, in item order. A resumed fan-out appends to the array it
  // kept (the one value a node grows in place: the checkpoint then saves only the new answers).
  const output: RestApiFanOutOutput = resumed?.output ?? { responses: [] };
  const responses = output.responses;
  if (responses.length > items.length) {
    throw new FlowFailure(`items: ${items.length} items now, but ${responses.length} were answered before the slice ended; items must give the same array when the node continues`);
  }
  /** Answers that came before an earlier item's: appended once every item before them is answered. */
  const early = new Map<number, RestApiOutput>();
  let next = responses.length;
  let bytes = resumed?.progress.bytes ?? 0;
  let failure: unknown;
  const sliceSpent = context.services.sliceSpent;
  const name = context.node.name;
  const work = async () => {
    while (failure === undefined && next < items.length && !sliceSpent?.()) {
      const index = next++;
      try {
        const scope = { [name]: { item: items[index], index } };
        const request = await buildRequest(data, (expression, field) => context.evaluate(expression, field, scope), credential);
        const answer = await call(context, data, request, stop.signal, `item ${index}: `);
        bytes += answer.bytes;
        if (bytes > FAN_OUT_LIMIT_BYTES) throw new FlowFailure(`the answers so far are over ${FAN_OUT_LIMIT_BYTES / 1024 / 1024} MiB together, more than a flow can keep`);
        early.set(index, answer.output);
        while (early.has(responses.length)) {
          responses.push(early.get(responses.length)!);
          early.delete(responses.length - 1);
        }
      } catch (error) {
        // A CallCanceled is the job's cancel (kept as it is), or the abort after the first failure.
        failure ??= error instanceof FlowFailure && !(error instanceof CallCanceled) ? new FlowFailure(`item ${index}: ${error.message}`, { cause: error }) : error;
        stop.abort(new Error("another item failed"));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(data.concurrency, items.length - next) }, work));
  } finally {
    cancel?.removeEventListener("abort", onCancel);
  }
  if (failure !== undefined) throw failure;
  if (responses.length === items.length) return { kind: "done", output };
  context.services.log({ level: "info", node: context.node.name, message: `${responses.length} of ${items.length} items answered; the rest continue in the next slice` });
  return { kind: "partial", output, progress: { bytes } satisfies FanOutProgress };
}

/** One request with its retries, logged per attempt (`label` says which item): its output and size. */
async function call({ node, services }: NodeContext, data: RestApiData, request: HttpRequest, signal: AbortSignal | undefined, label: string) {
  const what = `${data.method} ${displayUrl(request.url)}`;
  const fetcher = services.fetch ?? ((input, init) => fetch(input, init));
  const log = (line: { level: "info" | "warn" | "error"; message: string; data?: unknown }) => services.log({ ...line, node: node.name, message: label + line.message });
  const attempts = data.retries + 1;
  let outcome: AttemptOutcome | undefined;
  let made = 0;
  while (made < attempts) {
    if (made > 0) await pause(Math.min(data.retryDelayMs * 2 ** (made - 1), MAX_RETRY_DELAY_MS), signal, what);
    const startedAt = Date.now();
    outcome = await attempt(fetcher, request, data.timeoutMs, signal, what);
    made++;
    const retryable = outcome.kind === "network-error" || outcome.status >= 500 || outcome.status === 429;
    const result = outcome.kind === "response" ? `answered ${outcome.status}` : `failed: ${outcome.reason}`;
    log({
      level: retryable || (outcome.kind === "response" && outcome.status >= 400) ? "warn" : "info",
      message: `${what} ${result} (attempt ${made} of ${attempts}, ${Date.now() - startedAt} ms)`,
    });
    if (!retryable) break;
  }
  const output = finish(data, outcome!, made, what, log);
  let bytes = outcome!.kind === "response" ? outcome!.bytes : 0;
  for (const [header, value] of Object.entries(output.headers)) bytes += header.length + value.length;
  return { output, bytes };
}

async function buildRequest(
  data: RestApiData,
  evaluate: (expression: string, field: string) => Promise<unknown>,
  credential: Credential | undefined,
): Promise<HttpRequest> {
  const url = await evaluate(data.url, "url");
  if (typeof url !== "string") throw new FlowFailure(`url: expected a text URL, got ${kindOf(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(urlWithBase(url, credential));
  } catch (error) {
    const hint = credential ? `, and connector '${credential.alias}' has no baseUrl to put before it` : ` such as "https://api.example.com/orders"`;
    throw new FlowFailure(`url: ${JSON.stringify(url)} is not an absolute URL${hint}`, { cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new FlowFailure(`url: only http and https URLs can be called, not ${parsed.protocol}`);
  checkOrigin(parsed, credential);

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
  return { method: data.method, url: parsed.href, headers, body, credential };
}

function finish(data: RestApiData, outcome: AttemptOutcome, made: number, what: string, log: (line: { level: "error"; message: string; data?: unknown }) => void): RestApiOutput {
  const tries = `${made} attempt${made === 1 ? "" : "s"}`;
  if (outcome.kind === "network-error") {
    const message = `${what} got no answer after ${tries}: ${outcome.reason}`;
    if (data.failOnError) throw new FlowFailure(message);
    return { status: 0, ok: false, headers: {}, data: null, error: message };
  }
  const ok = outcome.status >= 200 && outcome.status < 300;
  const output: RestApiOutput = { status: outcome.status, ok, headers: outcome.headers, data: parseBody(outcome.text, outcome.headers["content-type"]) };
  if (!ok && data.failOnError) {
    log({ level: "error", message: `${what} answered ${outcome.status}; response body follows`, data: { status: outcome.status, body: outcome.text.slice(0, 2000) } });
    throw new FlowFailure(`${what} answered ${outcome.status} after ${tries}`);
  }
  return output;
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
