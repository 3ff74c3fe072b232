// The Hono environment shared by every route: bindings plus what the middleware resolved.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "../env";
import { Problem, type FieldError } from "../errors";
import type { Caller } from "../keys/keys";
import { InvalidBody } from "./problems";

export interface AppEnv {
  Bindings: Env;
  Variables: { caller: Caller; requestId: string };
}

/**
 * A sub-app whose request-validation failures become problem+json: 400 for path and query, and
 * for bodies `bodyProblem` (default 422 invalid-body).
 */
export function router(bodyProblem?: (errors: FieldError[]) => Problem) {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        path: [result.target, ...issue.path.map(String)].join("."),
        message: issue.message,
      }));
      if (result.target === "json") {
        if (bodyProblem) throw bodyProblem(errors);
        throw new InvalidBody(errors);
      }
      throw new Problem(400, "invalid-request", "Invalid request", describeIssues(result.target, result.error.issues), errors);
    },
  });
}

const TARGET_NAMES: Record<string, string> = { param: "Path parameter", query: "Query parameter", header: "Header", cookie: "Cookie" };

/** "Path parameter 'version' must be a whole number (1, 2, 3, …) or `latest`." — the detail a person reads first. */
function describeIssues(target: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const what = TARGET_NAMES[target] ?? target;
  const sentences = issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    // Our own messages continue the sentence ("must be …"); zod's stand alone ("Too big: …").
    const joiner = /^[a-z]/.test(issue.message) ? " " : ": ";
    return field ? `${what} '${field}'${joiner}${issue.message}` : `${what}s: ${issue.message}`;
  });
  return `${sentences.join("; ")}.`;
}
