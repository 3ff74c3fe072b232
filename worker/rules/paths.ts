// Paths of validation errors, relative to the request body: `definition.nodes[fetch-orders].data.url`
// names a node by its name (what the author sees), `definition.connections[3].target` a connection.
import type { z } from "zod";
import type { FieldError } from "../errors";

export const DEFINITION = "definition";

export function nodePath(name: string): string {
  return `${DEFINITION}.nodes[${name}]`;
}

export function connectionPath(index: number): string {
  return `${DEFINITION}.connections[${index}]`;
}

/** Appends zod path segments: numbers as `[3]`, keys as `.key`. */
export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((path, segment) => (typeof segment === "number" ? `${path}[${segment}]` : `${path}.${String(segment)}`), prefix);
}

/** One error per zod issue, under `prefix`; `rename` may turn the first segments into a friendlier prefix. */
export function zodErrors(error: z.ZodError, prefix: string, rename?: (segments: readonly PropertyKey[]) => { prefix: string; rest: readonly PropertyKey[] }): FieldError[] {
  return error.issues.map((issue) => {
    const renamed = rename ? rename(issue.path) : { prefix, rest: issue.path };
    return { path: joinPath(renamed.prefix, renamed.rest), message: issue.message };
  });
}
