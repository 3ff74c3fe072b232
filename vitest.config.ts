// Test projects: "workers" runs inside workerd through the Workers Vitest integration, against the
// real bindings of wrangler.toml (D1, Queues, the JobRunner Durable Object with alarms); "e2e",
// "browser" and "resilience" run in Node and drive `wrangler dev` as a user would; "web" tests the
// console's logic.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** A connection string of the test Postgres (test/support/postgres.ts). */
function postgresUrl(server: { host: string; port: number; database: string; user: string; password: string }): string {
  return `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${encodeURIComponent(server.database)}`;
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Triggers go to a real queue that has no consumer, so each test delivers them itself
              // with createMessageBatch and nothing starts behind its back.
              queueProducers: {
                JOB_TRIGGERS: { queueName: "job-triggers-held-in-tests" },
                WEBHOOK_DELIVERIES: { queueName: "webhook-deliveries-held-in-tests" },
              },
              // Hyperdrive as wrangler dev runs it locally: straight to the test Postgres (no pooling, no cache).
              // PG_TEST is granted to every account, PG_PRIVATE to none (test/connectors/hyperdrive.test.ts).
              hyperdrives: { PG_TEST: postgresUrl(inject("postgres")), PG_PRIVATE: postgresUrl(inject("postgres")) },
              bindings: {
                HYPERDRIVE_GRANTS: JSON.stringify({ PG_TEST: "*", PG_PRIVATE: ["acct-of-nobody"] }),
                TEST_DIRECTORY_MIGRATIONS: await readD1Migrations("./migrations/directory"),
                TEST_SHARD_MIGRATIONS: await readD1Migrations("./migrations/shard"),
                ADMIN_TOKEN: "test-admin-token",
                WEBHOOK_SECRET_KEY: "test-webhook-secret-key",
                WEBHOOK_TIMEOUT_MS: "300",
                // A real HTTP receiver on loopback, started by test/webhooks/receiver.ts.
                RECEIVER_URL: inject("receiverUrl"),
                ENVIRONMENT: "test",
                // Every runner in the tests runs under a model of production's clock, which moves only on I/O.
                RUNNER_CLOCK: "io-only",
                // Slices of at most 20,000 nodes: the tests' loops cross many slices and resumes.
                SLICE_MAX_STEPS: "20000",
                // A trigger leaves its claim to the job-triggers consumer, which the tests drive with
                // createMessageBatch: a job stays WAITING until a test delivers its trigger.
                CLAIM_BY: "queue",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/resilience/**", "test/browser/**", "test/web/**"],
          setupFiles: ["./test/setup.ts"],
          // A real HTTP receiver and a real Postgres (PGlite, or FLOWJOBS_TEST_POSTGRES_URL) on loopback.
          globalSetup: ["./test/webhooks/receiver.ts", "./test/support/postgres.ts"],
          testTimeout: 30_000,
        },
      },
      // The console: its pure logic in Node, and Chromium (playwright-core) against `npm start`.
      { test: { name: "web", include: ["test/web/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "resilience",
          include: ["test/resilience/**/*.test.ts"],
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
