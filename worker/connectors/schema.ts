// What a connector may hold (DESIGN.md §11): per type, its config and the secret that goes with it.
// The API's request schemas are built from these, and a PATCH is checked against them once merged with
// the stored connector, so both paths refuse the same things with the same messages.
import { z } from "zod";
import { HYPERDRIVE_BINDING_NAME } from "../db/databases";
import { Problem, type FieldError } from "../errors";
import type { ConnectorType } from "./types";

export const CONNECTOR_TYPES = ["postgres", "http"] as const satisfies readonly ConnectorType[];
export const SSL_MODES = ["disable", "require", "verify-full"] as const;
export const HTTP_AUTH = ["bearer", "basic", "header"] as const;

export const ConnectorAlias = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lowercase letters, digits, '-' and '_', at most 64");
export const ConnectorName = z.string().min(1).max(200);

// Config objects are strict: a misspelt field ("hostname") is refused rather than silently ignored.
// A postgres connector reaches its server directly (host, port, database, user, and a password in the
// secret) or through a Hyperdrive binding of the deployment, which holds all of those itself.
export const PostgresConfig = z.strictObject({
  host: z.string().min(1).max(255).regex(/^[^\s/]+$/, "a host name or IP address, without a scheme, path or spaces").optional(),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().min(1).max(128).optional(),
  user: z.string().min(1).max(128).optional(),
  ssl: z.enum(SSL_MODES).optional(),
  hyperdrive: z
    .string()
    .regex(HYPERDRIVE_BINDING_NAME, "the name of a Hyperdrive binding of this deployment, such as PG_WAREHOUSE")
    .optional()
    .describe("Connect through this Hyperdrive binding instead of host/port/database/user; no secret then"),
});

/** A postgres config names either a server or a Hyperdrive binding; the direct form has a password. */
function checkPostgres(config: PostgresConfig, secret: { password?: string } | undefined, secretKept: boolean, issue: (path: (string | number)[], message: string) => void) {
  if (config.hyperdrive !== undefined) {
    for (const field of ["host", "port", "database", "user", "ssl"] as const) {
      if (config[field] !== undefined) issue(["config", field], "is set by the Hyperdrive binding; leave it out");
    }
    if (secret?.password !== undefined) issue(["secret", "password"], "is held by the Hyperdrive binding; leave the secret out");
    return;
  }
  for (const field of ["host", "database", "user"] as const) {
    if (config[field] === undefined) issue(["config", field], "is required (or name a Hyperdrive binding in config.hyperdrive)");
  }
  if (secret?.password === undefined && !secretKept) issue(["secret", "password"], "is required to connect to a server directly");
}

/** An HTTP(S) URL; the connector's credentials are sent to it by the test endpoint. */
const BaseUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), "must be an http:// or https:// URL");

export const HttpConfig = z.strictObject({
  auth: z.enum(HTTP_AUTH),
  username: z.string().min(1).max(200).optional(),
  // An HTTP field name (RFC 9110 token).
  headerName: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "an HTTP header name such as X-Api-Key").optional(),
  baseUrl: BaseUrl.optional(),
});

const secretText = z.string().min(1).max(4096);
export const PostgresSecret = z.strictObject({ password: secretText.optional() });
/** The one field the secret has for each kind of HTTP auth. */
export const HTTP_SECRET_FIELD = { bearer: "token", basic: "password", header: "value" } as const;
export const HttpSecret = z.strictObject({ token: secretText.optional(), password: secretText.optional(), value: secretText.optional() });

export type PostgresConfig = z.infer<typeof PostgresConfig>;
export type HttpConfig = z.infer<typeof HttpConfig>;

/** What the HTTP config needs besides its fields' own shapes: basic has a username, header a header name. */
function checkHttpConfig(config: HttpConfig, issue: (path: (string | number)[], message: string) => void) {
  if (config.auth === "basic" && config.username === undefined) issue(["config", "username"], "is required for basic auth");
  if (config.auth === "header" && config.headerName === undefined) issue(["config", "headerName"], "is required for header auth");
  if (config.auth !== "basic" && config.username !== undefined) issue(["config", "username"], "is used only with basic auth");
  if (config.auth !== "header" && config.headerName !== undefined) issue(["config", "headerName"], "is used only with header auth");
}

/** The secret's one field must be the one the auth takes: { token } for bearer, { password } for basic, { value } for header. */
function checkHttpSecret(auth: HttpConfig["auth"], secret: z.infer<typeof HttpSecret>, issue: (path: (string | number)[], message: string) => void) {
  const wanted = HTTP_SECRET_FIELD[auth];
  if (secret[wanted] === undefined) issue(["secret", wanted], `is required for ${auth} auth (the secret is { ${wanted} })`);
  for (const field of Object.keys(secret)) {
    if (field !== wanted) issue(["secret", field], `is not used by ${auth} auth (the secret is { ${wanted} })`);
  }
}

/** The HTTP branch's checks across fields, shared by the POST body and a merged PATCH. */
function refineHttp(value: { config: HttpConfig; secret?: z.infer<typeof HttpSecret> }, context: z.RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => context.addIssue({ code: "custom", path, message });
  checkHttpConfig(value.config, issue);
  if (value.secret) checkHttpSecret(value.config.auth, value.secret, issue);
}

const identity = { name: ConnectorName, alias: ConnectorAlias };

function refinePostgres(secretKept: boolean) {
  return (value: { config: PostgresConfig; secret?: z.infer<typeof PostgresSecret> }, context: z.RefinementCtx) =>
    checkPostgres(value.config, value.secret, secretKept, (path, message) => context.addIssue({ code: "custom", path, message }));
}

/** A POST body: name, alias, type, and the type's config and secret. */
export const NewConnectorBody = z.discriminatedUnion("type", [
  z.strictObject({ ...identity, type: z.literal("postgres"), config: PostgresConfig, secret: PostgresSecret.optional() }).superRefine(refinePostgres(false)),
  z.strictObject({ ...identity, type: z.literal("http"), config: HttpConfig, secret: HttpSecret }).superRefine(refineHttp),
]);
export type NewConnectorBody = z.infer<typeof NewConnectorBody>;

/** A connector once a PATCH is laid over the stored one: the secret is absent when the stored one stays. */
const MergedConnector = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("postgres"), config: PostgresConfig, secret: PostgresSecret.optional() }),
  z.strictObject({ type: z.literal("http"), config: HttpConfig, secret: HttpSecret.optional() }).superRefine(refineHttp),
]);

/** What a PATCH leaves of a connector once merged with the stored one. */
export interface MergedSettings {
  type: ConnectorType;
  config: unknown;
  secret?: unknown;
  /** The stored secret stays and holds what the config needs (a password, for a direct postgres connector). */
  secretKept: boolean;
}

/**
 * A PATCH can be checked only against the stored connector (a new `config` is of the stored type), so
 * this is the same problem the route's validator answers for a POST body: 422 invalid-body, paths
 * under `json`.
 */
export class InvalidConnectorBody extends Problem {
  constructor(errors: FieldError[]) {
    super(422, "invalid-body", "Invalid request body", "The request body does not match the schema.", errors);
  }
}

/** The merged settings, parsed, or InvalidConnectorBody naming each bad field. */
export function parseMergedSettings({ secretKept, ...merged }: MergedSettings) {
  const parsed = MergedConnector.safeParse(merged);
  if (!parsed.success) {
    throw new InvalidConnectorBody(parsed.error.issues.map((issue) => ({ path: ["json", ...issue.path.map(String)].join("."), message: issue.message })));
  }
  if (parsed.data.type === "postgres") {
    const errors: FieldError[] = [];
    checkPostgres(parsed.data.config, parsed.data.secret, secretKept, (path, message) => errors.push({ path: ["json", ...path].join("."), message }));
    if (errors.length > 0) throw new InvalidConnectorBody(errors);
    return { ...parsed.data, config: withDefaults(parsed.data.config) };
  }
  return parsed.data;
}

/** A direct postgres config with its default port filled in, as it is stored and answered. */
export function withDefaults(config: PostgresConfig): PostgresConfig {
  return config.hyperdrive === undefined && config.port === undefined ? { ...config, port: 5432 } : config;
}
