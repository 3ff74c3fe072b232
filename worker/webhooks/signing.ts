// Webhook secrets and signatures (DESIGN.md §8). Secrets look like `whsec_<base64>`; the Standard
// Webhooks signature keys HMAC-SHA256 with the base64-decoded part over "id.timestamp.body", and
// X-Webhook-Signature (for the product this implements) is the hex HMAC of the raw body keyed with
// the whole secret string. Secrets are stored AES-GCM encrypted with a key from a Worker secret.
import { Problem } from "../errors";

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
}

async function hmac(key: Uint8Array, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

/**
 * The delivery's headers. With `previousSecret` (a replaced secret in its grace) `webhook-signature`
 * carries a second, space-separated `v1,` signature made with it, which Standard Webhooks receivers
 * accept as well; X-Webhook-Signature is the current secret's alone.
 */
export async function signatureHeaders(secret: string, deliveryId: string, timestampSeconds: number, body: string, attempt: number, previousSecret: string | null = null) {
  const signed = `${deliveryId}.${timestampSeconds}.${body}`;
  const standard = async (key: string) => `v1,${toBase64(await hmac(fromBase64(key.slice("whsec_".length)), signed))}`;
  const legacy = await hmac(encoder.encode(secret), body);
  return {
    "content-type": "application/json",
    "webhook-id": deliveryId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": previousSecret === null ? await standard(secret) : `${await standard(secret)} ${await standard(previousSecret)}`,
    "x-webhook-signature": Array.from(legacy, (byte) => byte.toString(16).padStart(2, "0")).join(""),
    "x-webhook-timestamp": String(timestampSeconds),
    "x-webhook-delivery-attempt": String(attempt),
  };
}

/** WEBHOOK_SECRET_KEY is not set: webhook secrets can be neither stored nor read. */
export class WebhookKeyMissing extends Problem {
  constructor() {
    super(
      503,
      "webhooks-not-configured",
      "Webhooks not configured",
      "The WEBHOOK_SECRET_KEY secret is not set on this deployment; set it with 'wrangler secret put WEBHOOK_SECRET_KEY'.",
    );
  }
}

async function encryptionKey(secretKey: string | undefined): Promise<CryptoKey> {
  // Fail closed: the SHA-256 of a missing or empty key would be a key anyone can compute.
  if (!secretKey?.trim()) throw new WebhookKeyMissing();
  // Any other string works as WEBHOOK_SECRET_KEY: its SHA-256 is the AES-256 key.
  const raw = await crypto.subtle.digest("SHA-256", encoder.encode(secretKey));
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function encryptSecret(secret: string, secretKey: string | undefined): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await encryptionKey(secretKey), encoder.encode(secret));
  return `${toBase64(iv)}.${toBase64(new Uint8Array(ciphertext))}`;
}

export async function decryptSecret(stored: string, secretKey: string | undefined): Promise<string> {
  const [iv, ciphertext] = stored.split(".");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv) },
    await encryptionKey(secretKey),
    fromBase64(ciphertext),
  );
  return new TextDecoder().decode(plain);
}
