// Connector secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256, its own label) from the
// WEBHOOK_SECRET_KEY Worker secret — the secret that already encrypts webhook signing secrets — so one
// secret to set, but a key of their own: a ciphertext of one kind never decrypts as the other. Each
// ciphertext is bound to its connector and space (the GCM additional data), so a row's secret copied
// onto another row does not decrypt there.
import { Problem } from "../errors";

const encoder = new TextEncoder();
const KEY_LABEL = "flowjobs connector secrets v1";

/** WEBHOOK_SECRET_KEY is not set: connector secrets can be neither stored nor read. */
export class ConnectorKeyMissing extends Problem {
  constructor() {
    super(
      503,
      "connectors-not-configured",
      "Connectors not configured",
      "The WEBHOOK_SECRET_KEY secret, which also encrypts connector secrets, is not set on this deployment; set it with 'wrangler secret put WEBHOOK_SECRET_KEY'.",
    );
  }
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

async function connectorKey(secretKey: string | undefined): Promise<CryptoKey> {
  // Fail closed: a key derived from a missing or empty secret would be one anyone can compute.
  if (!secretKey?.trim()) throw new ConnectorKeyMissing();
  const material = await crypto.subtle.importKey("raw", encoder.encode(secretKey), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode(KEY_LABEL) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The connector a ciphertext belongs to. */
export interface SecretOwner {
  spaceId: string;
  connectorId: string;
}

const additionalData = (owner: SecretOwner) => encoder.encode(`${owner.spaceId}/${owner.connectorId}`);

export async function encryptConnectorSecret(secret: Record<string, string>, owner: SecretOwner, secretKey: string | undefined): Promise<string> {
  const key = await connectorKey(secretKey);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(owner) }, key, encoder.encode(JSON.stringify(secret)));
  return `${toBase64(iv)}.${toBase64(new Uint8Array(ciphertext))}`;
}

/** The secret object; throws ConnectorKeyMissing without the key, and the platform's OperationError when the key or owner differ. */
export async function decryptConnectorSecret(stored: string, owner: SecretOwner, secretKey: string | undefined): Promise<Record<string, string>> {
  const key = await connectorKey(secretKey);
  const [iv, ciphertext] = stored.split(".");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: additionalData(owner) }, key, fromBase64(ciphertext));
  return JSON.parse(new TextDecoder().decode(plain)) as Record<string, string>;
}
