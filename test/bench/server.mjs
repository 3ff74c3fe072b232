// Starts the benchmark Worker on `wrangler dev` (fresh local state in a temp dir) and stops it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

export const ADMIN_TOKEN = "bench-admin-token";
const config = "test/bench/wrangler.toml";
const env = { ...process.env, CI: "true", PATH: `${resolve("node_modules/.bin")}${delimiter}${process.env.PATH}` };

async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

export async function startServer() {
  const stateDir = mkdtempSync(join(tmpdir(), "flowjobs-bench-"));
  const port = await freePort();
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "flowjobs-bench", "--local", "--config", config, "--persist-to", stateDir], { env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const child = spawn(
    "npx",
    ["wrangler", "dev", "--config", config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", stateDir,
      "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--var", "WEBHOOK_SECRET_KEY:bench", "--show-interactive-dev-session=false", "--log-level", "warn"],
    { env, stdio: ["ignore", "ignore", "inherit"], detached: true },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 240; attempt++) {
    try {
      if ((await fetch(`${base}/bench/bare`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  return {
    base,
    stateDir,
    sql(command) {
      const result = spawnSync("npx", ["wrangler", "d1", "execute", "flowjobs-bench", "--local", "--config", config, "--persist-to", stateDir, "--command", command], { env, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`d1 execute failed:\n${result.stderr}`);
    },
    stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
