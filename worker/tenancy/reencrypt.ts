// Re-encrypting the secrets at rest after WEBHOOK_SECRET_KEY was rotated (lib/secret-key.ts): every
// webhook signing secret and connector secret that opens only under WEBHOOK_SECRET_KEY_PREVIOUS is
// encrypted again under the current key, a page at a time (POST /api/admin/secrets/reencrypt), so the
// previous key can then be deleted. A secret is decrypted only in the Worker, to be encrypted again
// at once; it is never answered or logged.
import { decryptConnectorSecret, encryptConnectorSecret } from "../connectors/secrets";
import { directory } from "../db/databases";
import type { Env } from "../env";
import { decryptSecret, encryptSecret, WebhookKeyMissing } from "../webhooks/signing";

/** Rows read and re-encrypted per call: two D1 round trips (the page, then one batch of UPDATEs). */
export const REENCRYPT_PAGE = 200;

interface SecretRow {
  id: string;
  space_id: string;
  secret_ciphertext: string;
}

/** A kind of stored secret: its table, and how its ciphertext opens and is sealed under a key. */
interface SecretKind {
  kind: "webhook" | "connector";
  table: "webhooks" | "connectors";
  open(row: SecretRow, key: string): Promise<unknown>;
  seal(plain: unknown, row: SecretRow, key: string): Promise<string>;
}

const owner = (row: SecretRow) => ({ spaceId: row.space_id, connectorId: row.id });

/** In the order a walk visits them. */
const KINDS: SecretKind[] = [
  {
    kind: "webhook",
    table: "webhooks",
    open: (row, key) => decryptSecret(row.secret_ciphertext, key),
    seal: (plain, _row, key) => encryptSecret(plain as string, key),
  },
  {
    kind: "connector",
    table: "connectors",
    open: (row, key) => decryptConnectorSecret(row.secret_ciphertext, owner(row), key),
    seal: (plain, row, key) => encryptConnectorSecret(plain as Record<string, string>, owner(row), key),
  },
];

type Kind = SecretKind["kind"];

export interface ReencryptReport {
  /** Encrypted again under the current key (they opened under the previous one). */
  reencrypted: number;
  /** Already under the current key (or saved again while this page ran). */
  alreadyCurrent: number;
  /** Under neither key: their owners must save them again. */
  unreadable: { kind: Kind; id: string; spaceId: string }[];
  /** Where the next call goes on (`after`), or null when the walk is done. */
  next: string | null;
}

/** The cursor "<kind>:<id>" (":" alone: from the start of that kind). */
function parseCursor(after: string | null): { index: number; afterId: string } | null {
  if (after === null) return { index: 0, afterId: "" };
  const colon = after.indexOf(":");
  const index = KINDS.findIndex((entry) => entry.kind === after.slice(0, colon));
  return colon < 0 || index < 0 ? null : { index, afterId: after.slice(colon + 1) };
}

export class InvalidCursor extends Error {}

/**
 * One page of the walk over every stored secret, from `after` (null: the beginning): each that opens
 * under the current key is left alone, one that opens under the previous key is encrypted again
 * under the current one — written only if the row still holds the ciphertext read, so a secret saved
 * meanwhile is never overwritten — and one that opens under neither is reported.
 */
export async function reencryptSecrets(env: Env, after: string | null, limit = REENCRYPT_PAGE): Promise<ReencryptReport> {
  const current = env.WEBHOOK_SECRET_KEY;
  if (!current?.trim()) throw new WebhookKeyMissing();
  const previous = env.WEBHOOK_SECRET_KEY_PREVIOUS?.trim() ? env.WEBHOOK_SECRET_KEY_PREVIOUS : null;
  const cursor = parseCursor(after);
  if (!cursor) throw new InvalidCursor(after ?? "");
  const secretKind = KINDS[cursor.index];
  const { kind, table } = secretKind;
  const db = directory(env);
  const rows = await db
    .prepare(`SELECT id, space_id, secret_ciphertext FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`)
    .bind(cursor.afterId, limit)
    .all<SecretRow>();
  const report: ReencryptReport = { reencrypted: 0, alreadyCurrent: 0, unreadable: [], next: null };
  const updates: D1PreparedStatement[] = [];
  for (const row of rows.results) {
    const sealed = await sealedAgain(secretKind, row, current, previous);
    if (sealed === "current") report.alreadyCurrent++;
    else if (sealed === "unreadable") report.unreadable.push({ kind, id: row.id, spaceId: row.space_id });
    else {
      updates.push(
        db.prepare(`UPDATE ${table} SET secret_ciphertext = ? WHERE id = ? AND secret_ciphertext = ?`).bind(sealed, row.id, row.secret_ciphertext),
      );
    }
  }
  if (updates.length > 0) {
    for (const result of await db.batch(updates)) {
      if (result.meta.changes > 0) report.reencrypted++;
      else report.alreadyCurrent++;
    }
  }
  if (rows.results.length === limit) report.next = `${kind}:${rows.results.at(-1)!.id}`;
  else if (cursor.index + 1 < KINDS.length) report.next = `${KINDS[cursor.index + 1].kind}:`;
  return report;
}

/**
 * "current", "unreadable", or the row's secret sealed under the current key. A ciphertext that does
 * not open under a key — another key's, or one damaged — is one that key cannot read.
 */
async function sealedAgain(secretKind: SecretKind, row: SecretRow, current: string, previous: string | null): Promise<string | "current" | "unreadable"> {
  const opened = (key: string) => secretKind.open(row, key).then((plain) => ({ plain }), () => null);
  if (await opened(current)) return "current";
  const old = previous ? await opened(previous) : null;
  return old ? secretKind.seal(old.plain, row, current) : "unreadable";
}
