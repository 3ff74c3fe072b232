// Runs the Worker on `wrangler dev` for the Node-side suites (benchmarks, crash tests): migrations
// applied to a local state folder, a free port, the whole process tree started in its own group
// so it can be stopped, or killed with SIGKILL and started again on the same state.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { databaseNames } from "../../scripts/databases.mjs";

export const ADMIN_TOKEN = "local-suite-admin-token";
const env = { ...process.env, CI: "true", PATH: `${resolve("node_modules/.bin")}${delimiter}${process.env.PATH}` };

/**
 * User + system CPU (ms) of the workerd processes in a process group, from /proc (null where there
 * is none). Fields after the command's closing parenthesis: 3rd the group, 12th and 13th utime and stime.
 */
function workerdCpuMs(group) {
  if (!existsSync("/proc/self/stat")) return null;
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // Ended meanwhile.
    }
    const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (command === "workerd" && Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / ticksPerSecond;
}

export async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

/**
 * Every D1 database the config binds (the directory and each job shard) is migrated first.
 * @param {{ config?: string, vars?: Record<string, string>, readyPath?: string, stateRoot?: string, inspectorPort?: number | null }} options
 */
export async function localServer({ config = "wrangler.toml", vars = {}, readyPath = "/api/openapi.json", stateRoot = tmpdir(), inspectorPort = null } = {}) {
  const stateDir = mkdtempSync(join(stateRoot, "flowjobs-local-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const databases = databaseNames(config);
  for (const database of databases) {
    const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", database, "--local", "--config", config, "--persist-to", stateDir], {
      env,
      encoding: "utf8",
    });
    if (migrate.status !== 0) throw new Error(`migrations of ${database} failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }
  const allVars = { ADMIN_TOKEN, WEBHOOK_SECRET_KEY: "local-suite-key", ...vars };
  let child = null;

  async function start() {
    child = spawn(
      "npx",
      [
        "wrangler", "dev", "--config", config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", stateDir,
        "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", process.env.LOCAL_SERVER_LOG ? "log" : "error",
        ...(inspectorPort ? ["--inspector-port", String(inspectorPort)] : []),
        ...Object.entries(allVars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
      ],
      // LOCAL_SERVER_LOG=path keeps the Worker's output (console.log of the watchdog, errors) for a look.
      { env, stdio: ["ignore", process.env.LOCAL_SERVER_LOG ? openSync(process.env.LOCAL_SERVER_LOG, "a") : "ignore", "inherit"], detached: true },
    );
    for (let attempt = 0; attempt < 240; attempt++) {
      try {
        if ((await fetch(`${base}${readyPath}`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    throw new Error(`wrangler dev did not answer on ${base}`);
  }

  function signal(name) {
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is gone already.
    }
  }

  await start();
  return {
    base,
    /** Calls the API with a Bearer key; answers the parsed JSON, throws on a non-2xx answer. */
    async api(method, path, key, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await response.json().catch(() => null);
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
      return json;
    },
    stateDir,
    start,
    /**
     * The CPU time (user + system, ms) the Worker's runtime has used so far: every workerd process of
     * the server's process group (Linux /proc; null elsewhere). Differences measure what a run cost the machine.
     */
    cpuMs() {
      return workerdCpuMs(child.pid);
    },
    /** kill -9 of the whole process tree (wrangler, workerd): no shutdown, no flush. */
    async kill() {
      signal("SIGKILL");
      await new Promise((done) => setTimeout(done, 500));
    },
    /** What the cron trigger does every minute in production. */
    async cron() {
      await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    },
    /** Runs SQL on one database (by database_name; the directory, the first one bound, by default). */
    sql(command, database = databases[0]) {
      const result = spawnSync("npx", ["wrangler", "d1", "execute", database, "--local", "--config", config, "--persist-to", stateDir, "--json", "--command", command], {
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      if (result.status !== 0) throw new Error(`d1 execute failed:\n${result.stderr}`);
      return JSON.parse(result.stdout)[0]?.results ?? [];
    },
    stop() {
      signal("SIGTERM");
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
