// Authentication (DESIGN.md §4.1): solver and management keys per space, the admin token for
// /api/admin/*. Keys are looked up by id and their secret hash compared in constant time.
import { createMiddleware } from "hono/factory";
import { database } from "../db/client";
import { cachedCaller, rememberCaller } from "../keys/cache";
import { verifyKey, type KeyKind } from "../keys/keys";
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
    let caller = cachedCaller(presented);
    if (!caller) {
      caller = await verifyKey(database(c.env.DB), presented);
      if (!caller) throw new Unauthorized("The API key is not valid or was revoked.");
      rememberCaller(presented, caller);
    }
    if (!kinds.includes(caller.kind)) {
      throw new Forbidden(`This route needs a ${kinds.join(" or ")} key; this is a ${caller.kind} key.`);
    }
    c.set("caller", caller);
    await next();
  });
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const presented = bearer(c.req.header("authorization"));
  if (!presented || !c.env.ADMIN_TOKEN || !constantTimeEqual(presented, c.env.ADMIN_TOKEN)) {
    throw new Unauthorized("Admin routes need 'Authorization: Bearer <ADMIN_TOKEN>'.");
  }
  await next();
});
