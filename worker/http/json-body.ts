// Bounds every JSON request body before anything parses it: its size (1 MiB for a job input, 4 MiB
// elsewhere) and its nesting (MAX_JSON_DEPTH), in one pass over the bytes as they arrive; and where a
// body is required, says so when it is empty (a parser would only call it "not valid JSON").
import { createMiddleware } from "hono/factory";
import { BadRequest, Problem } from "../errors";
import { findTooDeep, formatJsonPath, MAX_JSON_DEPTH, type JsonPath } from "../lib/json-depth";
import { InvalidDefinition } from "../rules/validate";
import type { AppEnv } from "./context";
import { InvalidBody } from "./problems";
import { readUpTo } from "../lib/streams";

export const JOB_INPUT_LIMIT_BYTES = 1024 * 1024;
/** Any other JSON body: room for a 1 MiB definition sent pretty-printed, far below what would strain the isolate. */
export const JSON_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

interface Bounds {
  maxBytes: number;
  /** Levels of the whole body, the top-level value being level 1. */
  maxDepth: number;
  tooLarge: () => Problem;
  tooDeep: (path: JsonPath) => Problem;
  /** Set where the body is required: the problem for an empty (or blank) one. */
  empty?: () => Problem;
}

const tooDeepMessage = `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays; the limit is ${MAX_JSON_DEPTH}`;

const anyBody: Bounds = {
  maxBytes: JSON_BODY_LIMIT_BYTES,
  maxDepth: MAX_JSON_DEPTH,
  tooLarge: () =>
    new Problem(413, "payload-too-large", "Payload too large", `A JSON request body is limited to ${JSON_BODY_LIMIT_BYTES} bytes (4 MiB).`),
  tooDeep: (path) => new InvalidBody([{ path: formatJsonPath("json", path), message: tooDeepMessage }]),
};

// The trigger and rule saves answer in the problem types their contract names (DESIGN.md §4.2, §6).
const routeBounds: { path: RegExp; bounds: Bounds }[] = [
  {
    path: /^\/job\/start\//,
    bounds: {
      // The body is the input.
      maxBytes: JOB_INPUT_LIMIT_BYTES,
      maxDepth: MAX_JSON_DEPTH,
      tooLarge: () =>
        new Problem(413, "payload-too-large", "Payload too large", `The job input is limited to ${JOB_INPUT_LIMIT_BYTES} bytes (1 MiB).`),
      tooDeep: (path) =>
        new BadRequest(
          "invalid-input",
          "Job input nested too deep",
          `The job input nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (at ${formatJsonPath("input", path)}); the limit is ${MAX_JSON_DEPTH}.`,
        ),
      empty: () =>
        new BadRequest("invalid-json", "Empty request body", "The request body is empty. Send the job input as a JSON object; `{}` is the empty input."),
    },
  },
  {
    path: /^\/api\/rules(\/[^/]+\/versions)?\/?$/,
    bounds: {
      ...anyBody,
      // It is the definition, one level inside the body, that may nest 64 levels.
      maxDepth: MAX_JSON_DEPTH + 1,
      tooDeep: (path) =>
        path[0] === "definition"
          ? new InvalidDefinition([{ path: formatJsonPath("", path), message: tooDeepMessage }])
          : anyBody.tooDeep(path),
    },
  },
];

export const boundedJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  const request = c.req.raw;
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(request.headers.get("content-type") ?? "")) return next();
  const bounds = routeBounds.find((route) => route.path.test(c.req.path))?.bounds ?? anyBody;
  if (!request.body) {
    if (bounds.empty) throw bounds.empty();
    return next();
  }
  const bytes = await readAtMost(request, bounds.maxBytes);
  if (!bytes) throw bounds.tooLarge();
  if (bounds.empty && isBlank(bytes)) throw bounds.empty();
  const tooDeep = findTooDeep(bytes, bounds.maxDepth);
  if (tooDeep) throw bounds.tooDeep(tooDeep);
  // The stream is spent: hand the same bytes on, as Hono's own bodyLimit does.
  c.req.raw = new Request(request, { body: bytes });
  await next();
});

/** Nothing but JSON's insignificant whitespace. */
function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d);
}

/** The body's bytes, or null past `maxBytes` (read no further than that, whatever Content-Length claims). */
async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return null;
  return readUpTo(request.body, maxBytes);
}
