// wrangler.toml serves the console from web/dist; the Workers test integration reads that config,
// so a fresh clone builds the console once before the tests.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("web/dist/index.html")) {
  const result = spawnSync("npx", ["vite", "build", "web"], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
