// Connectors of a space (DESIGN.md §11), in the directory: create, list, read, update, delete, test.
// Every query is scoped by space, so another space's connector is the same 404 as none. No answer
// carries the secret: it is encrypted before it is stored and decrypted only to test the connector or
// for the node that uses it (resolve.ts).
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { directory, type Database } from "../db/databases";
import { connectors } from "../db/directory-schema";
import type { Env } from "../env";
import { Conflict, NotFound, Problem, type FieldError } from "../errors";
import { newId } from "../lib/ids";
import { insertWithRoom } from "../tenancy/caps";
import { isWrongKey } from "../lib/secret-key";
import { probeConnector, type ProbeResult } from "./probe";
import { decryptConnector } from "./resolve";
import { HTTP_SECRET_FIELD, InvalidConnectorBody, parseMergedSettings, withDefaults, type HttpConfig, type NewConnectorBody, type PostgresConfig } from "./schema";
import { grantedHyperdrive, HyperdriveUnavailable } from "./hyperdrive";
import { encryptConnectorSecret } from "./secrets";
import type { ConnectorType } from "./types";

type ConnectorRow = typeof connectors.$inferSelect;

export type NewConnector = NewConnectorBody;

export interface ConnectorPatch {
  name?: string;
  alias?: string;
  type?: ConnectorType;
  config?: Record<string, unknown>;
  secret?: Record<string, string>;
}

/** A published flow version that names a connector. */
export interface ConnectorUse {
  ruleId: string;
  alias: string | null;
  version: number;
  node: string;
}

export class ConnectorInUse extends Problem {
  constructor(alias: string, uses: ConnectorUse[], change: string) {
    const versions = [...new Set(uses.map((use) => `${use.alias ?? use.ruleId} v${use.version}`))];
    super(
      409,
      "connector-in-use",
      "Connector in use",
      `Connector '${alias}' is named by ${versions.length} published flow version(s): ${versions.join(", ")}. ${change}`,
      uses.map((use) => ({
        path: `rules[${use.alias ?? use.ruleId}].versions[${use.version}]`,
        message: `is published and its node '${use.node}' names connector '${alias}'`,
      })),
    );
  }
}

function view(row: ConnectorRow) {
  return {
    id: row.id,
    name: row.name,
    alias: row.alias,
    type: row.type,
    config: JSON.parse(row.config) as PostgresConfig | HttpConfig,
    // A Hyperdrive connector has no secret of its own: the binding holds the credentials.
    secretSet: !(row.type === "postgres" && (JSON.parse(row.config) as PostgresConfig).hyperdrive !== undefined),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
export type ConnectorView = ReturnType<typeof view>;

function aliasTaken(alias: string) {
  return new Conflict("alias-taken", "Alias already in use", `The alias '${alias}' is already used by a connector of this space.`);
}

/** By id or alias, in this space only. */
async function load(env: Env, spaceId: string, ref: string): Promise<ConnectorRow> {
  const row = await directory(env)
    .orm()
    .query.connectors.findFirst({ where: and(eq(connectors.spaceId, spaceId), or(eq(connectors.id, ref), eq(connectors.alias, ref))) });
  if (!row) throw new NotFound("connector", ref);
  return row;
}

async function assertAliasFree(env: Env, spaceId: string, alias: string) {
  const existing = await directory(env)
    .orm()
    .query.connectors.findFirst({ columns: { id: true }, where: and(eq(connectors.spaceId, spaceId), eq(connectors.alias, alias)) });
  if (existing) throw aliasTaken(alias);
}

/** Two writes raced for one alias: the unique index decided. */
function raceOnAlias(error: unknown, alias: string): never {
  // drizzle wraps D1's error; the constraint is named in the cause.
  for (let cause = error, depth = 0; cause && depth < 3; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (String(cause).includes("UNIQUE constraint failed")) throw aliasTaken(alias);
  }
  throw error;
}

/** A connector through Hyperdrive names a binding this deployment has and grants to the account. */
function assertHyperdriveGranted(env: Env, accountId: string, type: ConnectorType, config: PostgresConfig | HttpConfig) {
  if (type !== "postgres" || (config as PostgresConfig).hyperdrive === undefined) return;
  try {
    grantedHyperdrive(env, accountId, (config as PostgresConfig).hyperdrive!);
  } catch (error) {
    if (error instanceof HyperdriveUnavailable) throw new InvalidConnectorBody([{ path: "json.config.hyperdrive", message: error.message }]);
    throw error;
  }
}

export async function createConnector(env: Env, account: { accountId: string; spaceId: string }, input: NewConnector): Promise<ConnectorView> {
  const { spaceId } = account;
  assertHyperdriveGranted(env, account.accountId, input.type, input.config);
  const now = Date.now();
  const id = newId(now);
  // Encrypted first: without the key nothing is stored (503 connectors-not-configured).
  const secretCiphertext = await encryptConnectorSecret(input.secret ?? {}, { spaceId, connectorId: id }, env.WEBHOOK_SECRET_KEY);
  await assertAliasFree(env, spaceId, input.alias);
  const row: ConnectorRow = {
    id,
    spaceId,
    name: input.name,
    alias: input.alias,
    type: input.type,
    config: JSON.stringify(input.type === "postgres" ? withDefaults(input.config) : input.config),
    secretCiphertext,
    createdAt: now,
    updatedAt: now,
  };
  await insertWithRoom(directory(env), connectors, row, "connectors").catch((error) => raceOnAlias(error, input.alias));
  return view(row);
}

export async function listConnectors(env: Env, spaceId: string): Promise<ConnectorView[]> {
  const rows = await directory(env).orm().query.connectors.findMany({ where: eq(connectors.spaceId, spaceId), orderBy: connectors.alias });
  return rows.map(view);
}

export async function getConnector(env: Env, spaceId: string, ref: string): Promise<ConnectorView> {
  return view(await load(env, spaceId, ref));
}

export async function updateConnector(env: Env, account: { accountId: string; spaceId: string }, ref: string, patch: ConnectorPatch): Promise<ConnectorView> {
  const { spaceId } = account;
  const row = await load(env, spaceId, ref);
  const type = patch.type ?? row.type;
  const stored = JSON.parse(row.config) as Record<string, unknown>;
  const missing: FieldError[] = [];
  if (type !== row.type) {
    // A config and a secret are of one type: changing it replaces both.
    if (!patch.config) missing.push({ path: "json.config", message: `is required when the type changes to ${type}` });
    const throughHyperdrive = type === "postgres" && patch.config?.hyperdrive !== undefined;
    if (!patch.secret && !throughHyperdrive) missing.push({ path: "json.secret", message: `is required when the type changes to ${type}` });
  } else if (type === "http" && patch.config && !patch.secret && patch.config.auth !== stored.auth && typeof patch.config.auth === "string") {
    const field = HTTP_SECRET_FIELD[patch.config.auth as keyof typeof HTTP_SECRET_FIELD];
    if (field) missing.push({ path: "json.secret", message: `is required when auth changes to ${patch.config.auth} (the secret is { ${field} })` });
  }
  if (missing.length > 0) throw new InvalidConnectorBody(missing);
  // A direct postgres connector keeps its stored password; one that was through Hyperdrive has none.
  const secretKept = patch.secret === undefined && type === row.type && (row.type !== "postgres" || stored.hyperdrive === undefined);
  const settings = parseMergedSettings({ type, config: patch.config ?? stored, secret: patch.secret, secretKept });
  assertHyperdriveGranted(env, account.accountId, type, settings.config);
  // Through Hyperdrive there is no secret: a password stored before is dropped.
  const throughHyperdrive = type === "postgres" && (settings.config as PostgresConfig).hyperdrive !== undefined;

  const alias = patch.alias ?? row.alias;
  if (alias !== row.alias || type !== row.type) {
    // Published flows name the connector by alias and need its type: renaming or retyping it would break them.
    const uses = await publishedUses(env, spaceId, row.alias);
    if (uses.length > 0) {
      const what = alias !== row.alias ? "alias" : "type";
      throw new ConnectorInUse(row.alias, uses, `A published version never changes, so the connector's ${what} cannot either; its config and secret can.`);
    }
    if (alias !== row.alias) await assertAliasFree(env, spaceId, alias);
  }
  const secretCiphertext =
    settings.secret || throughHyperdrive
      ? await encryptConnectorSecret(throughHyperdrive ? {} : (settings.secret as Record<string, string>), { spaceId, connectorId: row.id }, env.WEBHOOK_SECRET_KEY)
      : row.secretCiphertext;
  const updated: ConnectorRow = {
    ...row,
    name: patch.name ?? row.name,
    alias,
    type,
    config: JSON.stringify(settings.config),
    secretCiphertext,
    updatedAt: Date.now(),
  };
  // A rename or a retype holds only while no published version names the connector (checked above,
  // and again in the statement itself); a version published in between makes it change nothing.
  const renamedOrRetyped = alias !== row.alias || type !== row.type;
  const written = await directory(env)
    .orm()
    .update(connectors)
    .set(updated)
    .where(and(eq(connectors.id, row.id), eq(connectors.spaceId, spaceId), renamedOrRetyped ? sql.raw(NO_PUBLISHED_USE) : undefined))
    .catch((error) => raceOnAlias(error, alias));
  if (written.meta.changes === 0) {
    const uses = renamedOrRetyped ? await publishedUses(env, spaceId, row.alias) : [];
    if (uses.length > 0) throw new ConnectorInUse(row.alias, uses, "A published version never changes, so the connector's alias and type cannot either; its config and secret can.");
    throw new NotFound("connector", ref);
  }
  return view(updated);
}

export async function deleteConnector(env: Env, spaceId: string, ref: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const row = await load(env, spaceId, ref);
    const uses = await publishedUses(env, spaceId, row.alias);
    if (uses.length > 0) {
      throw new ConnectorInUse(row.alias, uses, "A published version never changes, so the connector stays while they exist; its config and secret can still change.");
    }
    const deleted = await directory(env)
      .prepare(`DELETE FROM connectors WHERE id = ? AND space_id = ? AND ${NO_PUBLISHED_USE}`)
      .bind(row.id, spaceId)
      .run();
    if (deleted.meta.changes > 0) return;
    // A version naming it was published since the check (the next check explains), or it was changed or deleted.
    if (attempt === 3) throw new Error(`connector ${row.id} was neither deleted nor found in use in ${attempt} attempts`);
  }
}

export async function testConnector(env: Env, account: { accountId: string; spaceId: string }, ref: string): Promise<ProbeResult> {
  const row = await load(env, account.spaceId, ref);
  let connector;
  try {
    connector = await decryptConnector(env, account.accountId, row);
  } catch (error) {
    if (error instanceof HyperdriveUnavailable) return { ok: false, latencyMs: 0, message: `Cannot connect: ${error.message}.` };
    // Encrypted under another key (WEBHOOK_SECRET_KEY was replaced): the connector cannot work until its secret is saved again.
    if (!isWrongKey(error)) throw error;
    return { ok: false, latencyMs: 0, message: "The stored secret cannot be decrypted with this deployment's key (was WEBHOOK_SECRET_KEY replaced?); save the secret again." };
  }
  return probeConnector(connector);
}

/**
 * SQL: the FROM … WHERE of the published versions of space `space`'s flows (integration and decision)
 * with a node whose `data.connector` is `alias` (both SQL expressions). `instr` on the quoted alias
 * skips, cheaply, every definition that cannot name it before json_each reads the nodes of the rest.
 */
const publishedNaming = (space: string, alias: string) => `FROM rules r
       JOIN rule_versions v ON v.rule_id = r.id
       JOIN json_each(v.definition, '$.nodes') n
       WHERE r.space_id = ${space} AND r.type IN ('integration-flow', 'decision-flow') AND v.status = 'published'
         AND instr(v.definition, json_quote(${alias})) > 0
         AND json_extract(n.value, '$.data.connector') = ${alias}`;

/**
 * SQL: no published version names the connector row being written (`connectors.alias`). A delete, a
 * rename or a retype is written under it, in its own statement, so a version published after the
 * check the answer explains makes the write change nothing; its other side is connectorsAsValidated.
 */
const NO_PUBLISHED_USE = `NOT EXISTS (SELECT 1 ${publishedNaming("connectors.space_id", "connectors.alias")})`;

/**
 * SQL: every connector in `expected` — a bound JSON object of alias → type, what a definition was
 * validated against — is still space `space`'s, with that type. A version is saved or published
 * under it, in its own statement, so a connector deleted, renamed or retyped after the validation
 * makes that write change nothing (one parameter however many connectors).
 */
export const connectorsAsValidated = (space: string, expected: string) =>
  `(SELECT count(*) FROM connectors c JOIN json_each(${expected}) j ON c.alias = j.key AND c.type = j.value WHERE c.space_id = ${space})
     = (SELECT count(*) FROM json_each(${expected}))`;

/** The published versions of the space's flows with a node whose `data.connector` is the alias. */
export async function publishedUses(env: Env, spaceId: string, alias: string): Promise<ConnectorUse[]> {
  const rows = await directory(env)
    .prepare(
      `SELECT r.id AS ruleId, r.alias AS alias, v.version AS version, json_extract(n.value, '$.name') AS node
       ${publishedNaming("?1", "?2")}
       ORDER BY r.id, v.version, node`,
    )
    .bind(spaceId, alias)
    .all<ConnectorUse>();
  return rows.results;
}

/** Bound parameters per lookup: D1 allows 100 per statement. */
const ALIASES_PER_LOOKUP = 90;

/** The types of the space's connectors among `aliases`, for save-time validation of a flow. */
export async function knownConnectors(db: Database, spaceId: string, aliases: string[]): Promise<Map<string, ConnectorType>> {
  const known = new Map<string, ConnectorType>();
  if (aliases.length === 0) return known;
  const lookups = [];
  for (let start = 0; start < aliases.length; start += ALIASES_PER_LOOKUP) {
    const chunk = aliases.slice(start, start + ALIASES_PER_LOOKUP);
    lookups.push(
      db
        .select({ alias: connectors.alias, type: connectors.type })
        .from(connectors)
        .where(and(eq(connectors.spaceId, spaceId), inArray(connectors.alias, chunk))),
    );
  }
  // One round trip however many lookups.
  const found = (await db.batch(lookups as [(typeof lookups)[number], ...typeof lookups])).flat();
  for (const connector of found) known.set(connector.alias, connector.type);
  return known;
}
