// A rule version's definition text, read from the directory once per isolate. A version's definition
// never changes once it is stored (saving makes a new version; publishing changes only its status),
// and rule ids are never reused, so a cached text can never be stale: every claim of a job of the
// same version after the first skips the directory read.
import { directory } from "../db/databases";
import type { Env } from "../env";

/** Bounded by entries and by characters, so large definitions cannot hold the isolate's memory. */
const CACHE_ENTRIES = 500;
const CACHE_CHARS = 16 * 1024 * 1024;
const cache = new Map<string, string>();
let cachedChars = 0;

/** The stored definition of `ruleId` version `version`; throws when the version does not exist. */
export async function versionDefinition(env: Env, ruleId: string, version: number): Promise<string> {
  const key = `${ruleId}@${version}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const row = await directory(env)
    .prepare("SELECT definition FROM rule_versions WHERE rule_id = ? AND version = ?")
    .bind(ruleId, version)
    .first<{ definition: string }>();
  if (!row) throw new Error(`rule version ${key} is missing`);
  remember(key, row.definition);
  return row.definition;
}

function remember(key: string, definition: string) {
  if (definition.length > CACHE_CHARS / 4) return;
  cache.set(key, definition);
  cachedChars += definition.length;
  for (const [oldest, text] of cache) {
    if (cache.size <= CACHE_ENTRIES && cachedChars <= CACHE_CHARS) break;
    cache.delete(oldest);
    cachedChars -= text.length;
  }
}
