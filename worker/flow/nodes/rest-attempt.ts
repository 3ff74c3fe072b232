// One HTTP attempt of a REST_API node: bounded by the node's timeout and by the job's cancel signal,
// with the response read whole (up to a limit) so the output can go into the checkpoint.
import { FlowFailure } from "../failure";
import { readUpTo } from "../../lib/streams";
import { hide, type Credential } from "./rest-credential";

/** A response kept in the checkpoint and the job output must stay well inside their 1 MiB limits. */
export const RESPONSE_LIMIT_BYTES = 512 * 1024;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** A connector's auth header: added on the wire only, and not carried to another origin by a redirect. */
  credential?: Credential;
}

/** What fetch follows by default (the Fetch standard's limit). */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export type AttemptOutcome =
  | { kind: "response"; status: number; headers: Record<string, string>; text: string; bytes: number }
  /** No HTTP answer: DNS, connection, TLS, or the timeout. Worth another attempt. */
  | { kind: "network-error"; reason: string };

/** The job was canceled while the call was in flight; the runner ends the job CANCELED. */
export class CallCanceled extends FlowFailure {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} was aborted because the job was canceled`, options);
    this.name = "CallCanceled";
  }
}

export async function attempt(
  fetcher: typeof fetch,
  request: HttpRequest,
  timeoutMs: number,
  cancel: AbortSignal | undefined,
  what: string,
): Promise<AttemptOutcome> {
  if (cancel?.aborted) throw new CallCanceled(what);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onCancel = () => controller.abort(cancel?.reason);
  cancel?.addEventListener("abort", onCancel, { once: true });
  try {
    const response = request.credential
      ? await sendWithCredential(fetcher, request, request.credential, controller.signal)
      : await fetcher(request.url, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal });
    const body = await readLimited(response, what);
    // A server that repeats the credential back (an echo, a debug page) must not put it into the output.
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) headers[name] = hide(value, request.credential);
    return { kind: "response", status: response.status, headers, text: hide(new TextDecoder().decode(body), request.credential), bytes: body.byteLength };
  } catch (error) {
    if (cancel?.aborted) throw new CallCanceled(what, { cause: error });
    if (error instanceof FlowFailure) throw error;
    if (timedOut) return { kind: "network-error", reason: `no answer within ${timeoutMs} ms (timeoutMs)` };
    return { kind: "network-error", reason: hide(networkReason(error, request.url), request.credential) };
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener("abort", onCancel);
  }
}

/**
 * Follows redirects itself, so the credential goes only to the origin the request was for: once a
 * redirect leaves it, the rest of the way goes without (as browsers do for Authorization, here for
 * any header a connector sets).
 */
async function sendWithCredential(fetcher: typeof fetch, request: HttpRequest, credential: Credential, signal: AbortSignal): Promise<Response> {
  let { url, method, body } = request;
  let headers = { ...request.headers, [credential.header]: credential.value };
  for (let redirects = 0; ; redirects++) {
    const response = await fetcher(url, { method, headers, body, signal, redirect: "manual" });
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null || redirects === MAX_REDIRECTS) return response;
    await response.body?.cancel();
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin) headers = withoutHeader(headers, credential.header);
    // As fetch does: a 303 (and a 301/302 after a POST) continues as a GET without the body.
    if ((response.status === 303 && method !== "GET" && method !== "HEAD") || (response.status <= 302 && method === "POST")) {
      method = "GET";
      body = undefined;
      headers = withoutHeader(headers, "content-type");
    }
    url = next.href;
  }
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _dropped, ...rest } = headers;
  return rest;
}

/**
 * Why no answer came, in a flow author's words. workerd reports a refused or reset connection only
 * as "Network connection lost" (what a server that is not running looks like locally), without the host.
 */
function networkReason(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const { host, hostname } = new URL(url);
  if (/network connection lost/i.test(message)) return `could not connect to ${host} (connection refused or reset)`;
  if (/dns|getaddrinfo|ENOTFOUND|EAI_AGAIN/i.test(message)) return `could not resolve the host name ${hostname} (${message})`;
  return message;
}

/** Reads the body, refusing more than RESPONSE_LIMIT_BYTES without buffering it all first. */
async function readLimited(response: Response, what: string): Promise<Uint8Array> {
  const bytes = await readUpTo(response.body, RESPONSE_LIMIT_BYTES);
  if (bytes === null) {
    throw new FlowFailure(`${what} answered ${response.status} with a body over ${RESPONSE_LIMIT_BYTES / 1024} KiB, more than a flow can keep`);
  }
  return bytes;
}

/** Waits `ms` between attempts, ending early (as a cancel) when the job is canceled. */
export function pause(ms: number, cancel: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cancel?.aborted) return reject(new CallCanceled(what));
    const onCancel = () => {
      clearTimeout(timer);
      reject(new CallCanceled(what));
    };
    const timer = setTimeout(() => {
      cancel?.removeEventListener("abort", onCancel);
      resolve();
    }, ms);
    cancel?.addEventListener("abort", onCancel, { once: true });
  });
}
