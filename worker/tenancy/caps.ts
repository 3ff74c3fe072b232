// What one space may hold (README, "Limits of a space"). Each cap keeps something that reads all of
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
  constructor(readonly resource: CappedResource) {
    super(
      "space-limit-reached",
      "Space limit reached",
      `A space holds at most ${SPACE_CAPS[resource]} ${AT_MOST[resource]}.`,
    );
  }
}

/**
 * The SQL condition "the space has room for one more", for the WHERE of an INSERT … SELECT: D1 runs
 * one statement at a time, so the count and the insert cannot be split by a racing create, and two
 * creates at the last free place add one row. `space` is the bound parameter holding the space id.
 */
export function roomFor(resource: CappedResource, space: string): string {
  return `(${COUNTED[resource](space)}) < ${SPACE_CAPS[resource]}`;
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
  if (inserted.meta.changes === 0) throw new SpaceLimitReached(resource);
}
