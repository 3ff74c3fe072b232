// The Worker's bindings (wrangler.toml) and secrets, as seen by every handler.
import type { D1Migration } from "cloudflare:test";
import type { JobRunner } from "./jobs/runner";
import type { TriggerMessage } from "./jobs/dispatcher";
import type { DeliveryMessage } from "./webhooks/fanout";

declare global {
  namespace Cloudflare {
    interface Env {
      /** The directory database (worker/db/databases.ts is the only reader of the raw bindings). */
      DIRECTORY: D1Database;
      /** The job shards' binding names, comma-separated ("JOBS_0,JOBS_1"). */
      JOB_SHARDS: string;
      /** Job inputs and outputs larger than 64 KiB. */
      PAYLOADS: R2Bucket;
      JOB_TRIGGERS: Queue<TriggerMessage>;
      WEBHOOK_DELIVERIES: Queue<DeliveryMessage>;
      JOB_RUNNER: DurableObjectNamespace<JobRunner>;
      ASSETS: Fetcher;
      /** Secret: bearer token of the /api/admin/* routes (unset: they answer 503, never open). */
      ADMIN_TOKEN?: string;
      /** Secret: encrypts webhook signing secrets at rest (unset: webhooks cannot be created or sent). */
      WEBHOOK_SECRET_KEY?: string;
      /**
       * Secret, set only while rotating WEBHOOK_SECRET_KEY: the key before it, which still decrypts
       * what was stored under it until POST /api/admin/secrets/reencrypt has moved everything on.
       */
      WEBHOOK_SECRET_KEY_PREVIOUS?: string;
      /** Per-attempt timeout of a webhook delivery, ms (10 s in production). */
      WEBHOOK_TIMEOUT_MS?: string;
      /** Days a finished job is kept before the watchdog purges it (default 30). */
      JOB_RETENTION_DAYS?: string;
      /** Optional: shortens every watchdog grace period (ms); the crash suite uses it. */
      WATCHDOG_GRACE_MS?: string;
      /** A running job mirrors progress and charges to D1 at most this often (ms, default 15000). */
      MIRROR_INTERVAL_MS?: string;
      /** Time limit of a decision flow solved in the request (POST /rule/solve), ms (default 8000): past it, 408 solve-timeout. */
      SOLVE_TIME_LIMIT_MS?: string;
      /** "io-only" runs runners under a model of production's clock, which moves only on I/O (tests). */
      RUNNER_CLOCK?: string;
      /** Lowers the nodes a slice may run (runner.ts SLICE_MAX_STEPS); the tests set 20,000. */
      SLICE_MAX_STEPS?: string;
      /**
       * "queue": a trigger that sees a free slot sends a job-triggers message and lets the consumer
       * claim, instead of claiming itself after its answer (dispatcher.ts claimAfterTrigger). The
       * workers tests set it, so a job stays WAITING until a test delivers the trigger.
       */
      CLAIM_BY?: string;
      /**
       * Which accounts may name which Hyperdrive binding in a postgres connector, as JSON:
       * `{ "PG_WAREHOUSE": ["<accountId>"], "PG_SHARED": "*" }` (connectors/hyperdrive.ts). Unset: none.
       */
      HYPERDRIVE_GRANTS?: string;
      /** "development" under `npm start`, "test" in tests, "production" when deployed. */
      ENVIRONMENT: string;
      /** Tests only: the D1 migrations, read in Node by vitest.config.ts. */
      TEST_DIRECTORY_MIGRATIONS?: D1Migration[];
      TEST_SHARD_MIGRATIONS?: D1Migration[];
      /** Tests only: base URL of the webhook receiver (test/webhooks/receiver.ts). */
      RECEIVER_URL?: string;
      /** The job shards themselves, one D1 binding each (JOBS_0, JOBS_1, …). */
      [shard: `JOBS_${string}`]: D1Database;
    }
    /** Types `exports` of "cloudflare:workers" (ctx.exports, and the tests' exports.default). */
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "JobRunner";
    }
  }
}

export type Env = Cloudflare.Env;
