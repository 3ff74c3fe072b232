// Tests run inside workerd through the Workers Vitest integration, against the real bindings of
// wrangler.toml (D1, Queues, the JobRunner Durable Object with alarms).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Triggers go to a real queue that has no consumer, so each test delivers them itself with
        // createMessageBatch and nothing starts behind its back.
        queueProducers: { JOB_TRIGGERS: { queueName: "job-triggers-held-in-tests" } },
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          ADMIN_TOKEN: "test-admin-token",
          ENVIRONMENT: "test",
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
  },
});
