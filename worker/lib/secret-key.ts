// The deployment's key for secrets at rest — webhook signing secrets and connector secrets, each
// under a key of its own derived from it — is WEBHOOK_SECRET_KEY. While it is rotated,
// WEBHOOK_SECRET_KEY_PREVIOUS holds the key before it: what does not decrypt under the current key is
// tried under that one, so nothing stops working between setting the new key and re-encrypting
// (tenancy/reencrypt.ts). New secrets are only ever encrypted under the current key.
import type { Env } from "../env";

/** AES-GCM refused the ciphertext: it was encrypted under another key (or for another owner). */
export function isWrongKey(error: unknown): boolean {
  return error instanceof Error && error.name === "OperationError";
}

/**
 * `decrypt` under the current key, or, when that key does not open the ciphertext and a previous key
 * is set, under the previous one. A missing current key is thrown as `decrypt` throws it (fail closed).
 */
export async function decryptUnderDeploymentKeys<T>(env: Env, decrypt: (secretKey: string | undefined) => Promise<T>): Promise<T> {
  try {
    return await decrypt(env.WEBHOOK_SECRET_KEY);
  } catch (error) {
    if (!isWrongKey(error) || !env.WEBHOOK_SECRET_KEY_PREVIOUS?.trim()) throw error;
    return decrypt(env.WEBHOOK_SECRET_KEY_PREVIOUS);
  }
}
