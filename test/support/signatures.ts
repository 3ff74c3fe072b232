// Whether a received webhook request verifies with a signing secret (the standardwebhooks library, as a
// receiver would check it): shared by the workers tests and the browser tests.
import { Webhook } from "standardwebhooks";

export function verifiesWith(secret: string, request: { body: string; headers: Record<string, string> }): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}
