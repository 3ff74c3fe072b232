// The console's tests, runnable on their own: `npx vitest run --config web/vitest.config.ts`
// ("web": pure logic in Node; "browser": Chromium against `npm start`). The root config's
// projects can list the same two entries.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    projects: [
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
    ],
  },
});
