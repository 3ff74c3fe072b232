// Authentication (DESIGN.md §4.1): solver and management keys per space, the admin token for
// /api/admin/*. Keys are looked up by id and their secret hash compared in constant time.
import { createMiddleware } from "hono/factory";
import { directory } from "../db/databases";
import { Problem } from "../errors";
import { cachedCaller, rememberCaller } from "../keys/cache";
import { verifyKey, type KeyKind } from "../keys/keys";
import { claimUseWrite, noteStoredUse, writeUse } from "../keys/last-used";
import { constantTimeEqual } from "../lib/crypto";
import type { AppEnv } from "./context";
import { Forbidden, Unauthorized } from "./problems";

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match ? match[1] : null;
}

/** Accepts an API key of one of the given kinds and puts the caller in `c.var.caller`. */
export function requireKey(...kinds: KeyKind[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = bearer(c.req.header("authorization"));
    if (!presented) throw new Unauthorized("Send an API key as 'Authorization: Bearer <key>'.");
    const now = Date.now();
    let caller = cachedCaller(presented, now);
    if (!caller) {
      const verified = await verifyKey(directory(c.env).orm(), presented);
      if (!verified) throw new Unauthorized("The API key is not valid or was revoked.");
      caller = verified.caller;
      noteStoredUse(caller.keyId, verified.lastUsedAt);
      rememberCaller(presented, caller, now);
    }
    if (!kinds.includes(caller.kind)) {
      throw new Forbidden(`This route needs a ${kinds.join(" or ")} key; this is a ${caller.kind} key.`);
    }
    c.set("caller", caller);
    await next();
    // A refused request leaves D1 as it was, so only an answered one counts as a use. The write is
    // off the request's path and made at most about once a minute per key.
    if (c.res.status < 400 && claimUseWrite(caller.keyId, now)) {
      const keyId = caller.keyId;
      c.executionCtx.waitUntil(
        writeUse(directory(c.env).orm(), keyId, now).catch((error) => console.error("could not record key use", { keyId, error })),
      );
    }
  });
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = c.env.ADMIN_TOKEN;
  // Fail closed: without the secret no token is right, not even an empty one.
  if (!token?.trim()) {
    throw new Problem(
      503,
      "admin-not-configured",
      "Admin API not configured",
      "The ADMIN_TOKEN secret is not set on this deployment; set it with 'wrangler secret put ADMIN_TOKEN'.",
    );
  }
  const presented = bearer(c.req.header("authorization"));
  if (!presented || !constantTimeEqual(presented, token)) {
    throw new Unauthorized("Admin routes need 'Authorization: Bearer <ADMIN_TOKEN>'.");
  }
  await next();
});
