// The Worker's bindings (wrangler.toml) and secrets, as seen by every handler.
import type { D1Migration } from "cloudflare:test";
import type { JobRunner } from "./jobs/runner";
import type { TriggerMessage } from "./jobs/dispatcher";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      JOB_TRIGGERS: Queue<TriggerMessage>;
      JOB_RUNNER: DurableObjectNamespace<JobRunner>;
      ASSETS: Fetcher;
      /** Secret: bearer token of the /api/admin/* routes. */
      ADMIN_TOKEN: string;
      /** "development" under `npm start`, "test" in tests, "production" when deployed. */
      ENVIRONMENT: string;
      /** Tests only: the D1 migrations, read in Node by vitest.config.ts. */
      TEST_MIGRATIONS?: D1Migration[];
    }
    /** Types `exports` of "cloudflare:workers" (ctx.exports, and the tests' exports.default). */
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "JobRunner";
    }
  }
}

export type Env = Cloudflare.Env;
