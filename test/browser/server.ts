/// <reference types="node" />
// Starts `npm start` (wrangler dev with the demo space) on a free port in a temp state folder, the
// way test/e2e/npm-start.test.ts does, and hands back the printed keys and admin token. Set
// FLOWJOBS_TEST_BASE, FLOWJOBS_TEST_MANAGEMENT_KEY, FLOWJOBS_TEST_SOLVER_KEY and
// FLOWJOBS_TEST_ADMIN_TOKEN to reuse a running server instead.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestServer {
  base: string;
  managementKey: string;
  solverKey: string;
  adminToken: string;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startServer(): Promise<TestServer> {
  const env = process.env;
  if (env.FLOWJOBS_TEST_BASE && env.FLOWJOBS_TEST_MANAGEMENT_KEY && env.FLOWJOBS_TEST_SOLVER_KEY && env.FLOWJOBS_TEST_ADMIN_TOKEN) {
    const { FLOWJOBS_TEST_BASE: base, FLOWJOBS_TEST_MANAGEMENT_KEY: managementKey, FLOWJOBS_TEST_SOLVER_KEY: solverKey, FLOWJOBS_TEST_ADMIN_TOKEN: adminToken } = env;
    return { base, managementKey, solverKey, adminToken, stop() {} };
  }
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "flowjobs-browser-"));
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs"], {
    env: { ...process.env, PORT: String(port), FLOWJOBS_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const stop = () => {
    // wrangler dev runs workerd as a grandchild: end the whole process group.
    try {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  const keys = await new Promise<{ managementKey: string; solverKey: string; adminToken: string }>((resolve, reject) => {
    const timer = setInterval(() => {
      const management = /management key:\s+(fjk_\S+)/.exec(output);
      const solver = /solver key:\s+(fjk_\S+)/.exec(output);
      const admin = /admin token:\s+(\S+)/.exec(output);
      if (management && solver && admin) {
        clearInterval(timer);
        resolve({ managementKey: management[1], solverKey: solver[1], adminToken: admin[1] });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm start exited:\n${output}`));
      }
    }, 200);
  });
  return { base: `http://127.0.0.1:${port}`, ...keys, stop };
}

/** A JSON call to the running server with a key; throws on non-2xx. */
export async function call<T = any>(base: string, key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
