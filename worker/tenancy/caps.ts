// What one space may hold (README, Platform limits: what a space holds), by default or as its
// account was given (admin spaceCaps, at most SPACE_CAP_MAX). Each cap keeps something that reads all of
// a space's rows of a kind inside production's limits: a list answered in one statement, the
// webhook endpoints every final state binds as one D1 value (2 MB at most) and queues a delivery
// for, the cron pass's schedules, the keys an isolate's cache holds.
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { Conflict } from "../errors";

export const SPACE_CAPS = {
  /** Rules are never deleted (jobs name their versions); ten thousand keeps their list one answer of a few MB. */
  rules: 10_000,
  webhooks: 50,
  connectors: 100,
  schedules: 100,
  /** Keys that work: a revoked key's row stays (jobs name it) and is not counted. */
  keys: 100,
} as const;
export type CappedResource = keyof typeof SPACE_CAPS;
export type SpaceCaps = Record<CappedResource, number>;

/**
 * The most an account's spaces may be given (admin `spaceCaps`), each still inside the limit its
 * default guards: 200 endpoints of 100 flows are ~580 KB, one D1 value under its 2 MB; 200
 * schedules of 64 KiB inputs a 13 MB list; 50,000 rules a list of ~15 MB.
 */
export const SPACE_CAP_MAX: SpaceCaps = { rules: 50_000, webhooks: 200, connectors: 1000, schedules: 200, keys: 1000 };

/** What each space of an account may hold: its stored overrides (JSON or NULL) over SPACE_CAPS. */
export function effectiveCaps(stored: string | null): SpaceCaps {
  return { ...SPACE_CAPS, ...(stored ? (JSON.parse(stored) as Partial<SpaceCaps>) : {}) };
}

/** What a space holds at most, and how to make room. */
const AT_MOST: Record<CappedResource, string> = {
  rules: "rules (flows and decision tables); rules are never deleted, so create this one in another space",
  webhooks: "webhook endpoints; delete one before creating another",
  connectors: "connectors; delete one before creating another",
  schedules: "schedules; delete one before creating another",
  keys: "working API keys; revoke one before creating another",
};

const COUNTED: Record<CappedResource, (space: string) => string> = {
  rules: (space) => `SELECT count(*) FROM rules WHERE space_id = ${space}`,
  webhooks: (space) => `SELECT count(*) FROM webhooks WHERE space_id = ${space}`,
  connectors: (space) => `SELECT count(*) FROM connectors WHERE space_id = ${space}`,
  schedules: (space) => `SELECT count(*) FROM schedules WHERE space_id = ${space}`,
  keys: (space) => `SELECT count(*) FROM api_keys WHERE space_id = ${space} AND revoked_at IS NULL`,
};

export class SpaceLimitReached extends Conflict {
  constructor(
    readonly resource: CappedResource,
    cap: number,
  ) {
    super("space-limit-reached", "Space limit reached", `This space holds at most ${cap} ${AT_MOST[resource]}.`);
  }
}

/** The SQL value of a space's cap: its account's override, else the default. `space` is the bound parameter holding the space id. */
export function capOf(resource: CappedResource, space: string): string {
  return `coalesce((SELECT json_extract(accounts.space_caps, '$.${resource}') FROM spaces JOIN accounts ON accounts.id = spaces.account_id
    WHERE spaces.id = ${space}), ${SPACE_CAPS[resource]})`;
}

/**
 * The SQL condition "the space has room for one more", for the WHERE of an INSERT … SELECT: D1 runs
 * one statement at a time, so the count and the insert cannot be split by a racing create, and two
 * creates at the last free place add one row. `space` is the bound parameter holding the space id.
 */
export function roomFor(resource: CappedResource, space: string): string {
  return `(${COUNTED[resource](space)}) < ${capOf(resource, space)}`;
}

/** The refusal of a create that found no room, naming the space's cap (read again: it is only needed then). */
export async function spaceLimitReached(db: { prepare(query: string): D1PreparedStatement }, resource: CappedResource, spaceId: string) {
  const row = await db.prepare(`SELECT ${capOf(resource, "?1")} AS cap`).bind(spaceId).first<{ cap: number }>();
  return new SpaceLimitReached(resource, row?.cap ?? SPACE_CAPS[resource]);
}

/**
 * Inserts a drizzle row only while its space has room (roomFor), and throws SpaceLimitReached when
 * it had none. The row's values go through their columns' own mapping (booleans, epoch times), as
 * drizzle's insert would write them; errors of the insert itself (a unique alias) propagate.
 */
export async function insertWithRoom<T extends SQLiteTable>(
  db: { prepare(query: string): D1PreparedStatement },
  table: T,
  row: T["$inferInsert"] & { spaceId: string },
  resource: CappedResource,
): Promise<void> {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => (row as Record<string, unknown>)[key] !== undefined);
  const values = columns.map(([key, column]) => {
    const value = (row as Record<string, unknown>)[key];
    return value === null ? null : column.mapToDriverValue(value);
  });
  const spaceParam = `?${values.length + 1}`;
  const inserted = await db
    .prepare(
      `INSERT INTO "${getTableName(table)}" (${columns.map(([, column]) => `"${column.name}"`).join(", ")})
       SELECT ${values.map((_, index) => `?${index + 1}`).join(", ")} WHERE ${roomFor(resource, spaceParam)}`,
    )
    .bind(...values, row.spaceId)
    .run();
  if (inserted.meta.changes === 0) throw await spaceLimitReached(db, resource, row.spaceId);
}
