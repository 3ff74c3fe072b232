// The console's one API helper: adds the management key, parses JSON, and turns every non-OK
// answer into a ProblemError carrying the RFC 9457 title and detail.
import { clearKey, currentKey } from "./session";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = "ProblemError";
  }
  get status() {
    return this.problem.status;
  }
}

/** Reads a failed response as a Problem, whatever the server sent. */
export async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && typeof body.title === "string") {
      return { type: body.type ?? "about:blank", title: body.title, status: body.status ?? response.status, detail: body.detail ?? "", errors: body.errors };
    }
  } catch {
    // Not JSON: fall through.
  }
  return { type: "about:blank", title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: text.slice(0, 300) };
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  key?: string;
  signal?: AbortSignal;
}

export function authHeaders(key = currentKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Raw fetch with the key; callers that need status codes (304) use this. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders(options.key), ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ProblemError({ type: "network", title: "Cannot reach flowjobs", status: 0, detail: "Check your connection and try again." });
  }
  if (response.status === 401 && !options.key) clearKey();
  return response;
}

/** JSON request: resolves with the parsed body, throws ProblemError when not OK. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (!response.ok) throw new ProblemError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Builds a query string, leaving out empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
