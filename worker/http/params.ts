// Path parameters more than one resource shares. A rule version is a whole number or `latest`, as
// everywhere in the API (and in a BUSINESS_RULE's `version`).
import { z } from "@hono/zod-openapi";

export type VersionRef = number | "latest";

/** Eight digits cover any version a rule can reach, and keep the number exact. */
const VERSION_TEXT = /^(latest|[1-9][0-9]{0,8})$/;

/** `{version}` of a path: a version number, or `latest` (what that means is the route's `meaning`). */
export function versionParam(meaning: string) {
  return z
    .string()
    .regex(VERSION_TEXT, "must be a whole number (1, 2, 3, …) or `latest`")
    .transform((text): VersionRef => (text === "latest" ? "latest" : Number(text)))
    .openapi({ param: { name: "version", in: "path" }, description: `A version number, or \`latest\`: ${meaning}`, example: "latest" });
}
