// Large job payloads in R2. An input or output whose JSON text is larger than 64 KiB is written to
// the PAYLOADS bucket under the job's id and its D1 row keeps only the key, so a shard holds about
// a kilobyte per job whatever its data (D1 stores at most 10 GB). The API reads them back as before.
import type { Env } from "../env";

/** JSON text up to this many UTF-8 bytes stays in the D1 row. */
export const INLINE_PAYLOAD_BYTES = 64 * 1024;

export type PayloadKind = "input" | "output";

export function payloadKey(jobId: string, kind: PayloadKind): string {
  return `jobs/${jobId}/${kind}`;
}

/** What a D1 row stores for a payload: the text itself, or "" and the R2 key. */
export interface StoredPayload {
  text: string;
  ref: string | null;
}

const encoder = new TextEncoder();

/** Stores `text` in R2 when it is too large for the row (before the row is written, so a row never points at nothing). */
export async function storePayload(env: Env, jobId: string, kind: PayloadKind, text: string): Promise<StoredPayload> {
  // UTF-8 is at most 3 bytes per UTF-16 unit: most texts are decided without encoding them.
  if (text.length * 3 <= INLINE_PAYLOAD_BYTES) return { text, ref: null };
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= INLINE_PAYLOAD_BYTES) return { text, ref: null };
  const key = payloadKey(jobId, kind);
  await env.PAYLOADS.put(key, bytes, { httpMetadata: { contentType: "application/json" } });
  return { text: "", ref: key };
}

/** The payload's JSON text, from the row or from R2. */
export async function loadPayload(env: Env, stored: StoredPayload): Promise<string> {
  if (stored.ref === null) return stored.text;
  const object = await env.PAYLOADS.get(stored.ref);
  if (!object) throw new Error(`payload ${stored.ref} is missing from R2`);
  return object.text();
}

/** Deletes R2 objects (up to 1,000 keys per call, R2's limit); deleting a key that does not exist is not an error. */
export async function deletePayloads(env: Env, keys: string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 1000) await env.PAYLOADS.delete(keys.slice(start, start + 1000));
}
