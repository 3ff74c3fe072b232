// `npm start`: runs flowjobs locally on `wrangler dev` (workerd + Miniflare: local D1, Queues,
// Durable Objects with alarms), with a demo space. Idempotent: a second run reuses the demo.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { demoFlows, sampleOrders } from "./demo-flows.mjs";
import { databaseNames } from "./databases.mjs";
import { DEMO_CUSTOMERS, startEmbeddedPostgres } from "./embedded-postgres.mjs";

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
// Local state (D1, queues, Durable Objects) and the demo's keys; tests point it at a temp folder.
const stateDir = process.env.FLOWJOBS_STATE_DIR ?? ".wrangler/state";
const demoFile = join(stateDir, "demo.json");

// Children run on the project's pinned Node (node_modules/.bin/node), whatever the system Node is.
// Offline, wrangler's telemetry and Miniflare's download of the `Request.cf` data (nothing here reads
// request.cf) fail with stack traces; both are off unless the caller sets these documented variables.
const childEnv = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  ...process.env,
  CI: "true",
  PATH: `${resolve("node_modules/.bin")}${delimiter}${process.env.PATH}`,
};

function run(command, args) {
  const result = spawnSync(command, args, { stdio: "inherit", env: childEnv });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.status}`);
}

/** `.dev.vars` holds the local secrets; ADMIN_TOKEN is created once, at random. */
function ensureDevVars() {
  const text = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
  const vars = Object.fromEntries(
    text
      .split("\n")
      .map((line) => /^\s*([A-Z_]+)\s*=\s*"?([^"]*)"?\s*$/.exec(line))
      .filter(Boolean)
      .map((match) => [match[1], match[2]]),
  );
  let changed = false;
  if (!vars.ADMIN_TOKEN) {
    vars.ADMIN_TOKEN = randomBytes(24).toString("base64url");
    changed = true;
  }
  if (!vars.WEBHOOK_SECRET_KEY) {
    vars.WEBHOOK_SECRET_KEY = randomBytes(32).toString("base64url");
    changed = true;
  }
  if (!vars.ENVIRONMENT) {
    vars.ENVIRONMENT = "development";
    changed = true;
  }
  if (changed) {
    writeFileSync(".dev.vars", Object.entries(vars).map(([key, value]) => `${key}="${value}"`).join("\n") + "\n");
  }
  return vars;
}

/**
 * Applies the local D1 migrations, one line per database: wrangler prints the whole table again
 * after each migration. Its own output is shown only when it fails.
 */
function applyMigrations() {
  for (const database of databaseNames()) {
    const args = ["wrangler", "d1", "migrations", "apply", database, "--local", "--persist-to", stateDir];
    const result = spawnSync("npx", args, { env: { ...childEnv, WRANGLER_HIDE_BANNER: "true" }, encoding: "utf8" });
    if (result.status !== 0) {
      process.stdout.write(result.stdout ?? "");
      process.stderr.write(result.stderr ?? "");
      throw new Error(`npx ${args.join(" ")} failed with exit code ${result.status}`);
    }
    // Every table wrangler printed lists exactly the migrations this run applied.
    const applied = [...new Set([...`${result.stdout}${result.stderr}`.matchAll(/(\d{4}_[\w.-]+)\.sql/g)].map((match) => match[1]))];
    const names = applied.length <= 2 ? applied.join(", ") : `${applied[0]} … ${applied[applied.length - 1]}`;
    console.log(applied.length === 0 ? `D1 database ${database}: migrations up to date` : `D1 database ${database}: applied ${applied.length} migration(s) (${names})`);
  }
}

async function waitForServer(child) {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited before it was ready");
    try {
      const response = await fetch(`${base}/api/openapi.json`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`wrangler dev did not answer on ${base} within 2 minutes`);
}

async function api(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  return { status: response.status, body: json };
}

async function must(method, path, token, body) {
  const response = await api(method, path, token, body);
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * The `demo-db` connector of the demo space, pointing at this run's embedded Postgres (its port is
 * chosen anew each start, so an existing connector is updated).
 */
async function ensureDemoConnector(demo, postgres) {
  const connector = {
    name: "Demo database (embedded Postgres)",
    alias: "demo-db",
    type: "postgres",
    config: { host: postgres.host, port: postgres.port, database: postgres.database, user: postgres.user, ssl: "disable" },
    secret: { password: postgres.password },
  };
  const existing = await api("GET", "/api/connectors/demo-db", demo.managementKey);
  if (existing.status === 404) await must("POST", "/api/connectors", demo.managementKey, connector);
  else await must("PATCH", "/api/connectors/demo-db", demo.managementKey, { config: connector.config, secret: connector.secret });
}

/** Creates the demo account, space, keys and flows unless a working demo exists already. */
async function ensureDemo(adminToken, postgres) {
  if (existsSync(demoFile)) {
    const demo = JSON.parse(readFileSync(demoFile, "utf8"));
    const me = await api("GET", "/api/me", demo.managementKey);
    if (me.status === 200) {
      await ensureDemoConnector(demo, postgres);
      await ensureFlows(demo);
      await ensureDemoSchedule(demo);
      return demo;
    }
  }
  const account = await must("POST", "/api/admin/accounts", adminToken, { name: "Demo account", freeSeconds: 3600, parallelLimit: 5 });
  const space = await must("POST", `/api/admin/accounts/${account.id}/spaces`, adminToken, { name: "Demo space" });
  const solver = await must("POST", `/api/admin/spaces/${space.id}/keys`, adminToken, { kind: "solver", name: "demo-solver" });
  const management = await must("POST", `/api/admin/spaces/${space.id}/keys`, adminToken, { kind: "management", name: "demo-console" });
  const demo = { accountId: account.id, spaceId: space.id, solverKey: solver.key, managementKey: management.key };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(demoFile, JSON.stringify(demo, null, 2));
  await ensureDemoConnector(demo, postgres);
  await ensureFlows(demo);
  await ensureDemoSchedule(demo);
  return demo;
}

/** A sample schedule, paused (so a demo starts no jobs unasked): made once, and never again once deleted. */
async function ensureDemoSchedule(demo) {
  if (demo.scheduled) return;
  await must("POST", "/api/schedules", demo.managementKey, { name: "Hello every weekday morning", flow: "hello", cron: "0 8 * * 1-5", timezone: "UTC", input: { name: "Ada" }, enabled: false });
  demo.scheduled = true;
  writeFileSync(demoFile, JSON.stringify(demo, null, 2));
}

/**
 * Publishes each sample rule that is missing, and a new version of one whose definition changed
 * since the last start: the orders flow carries this server's origin, so a start on another port
 * changes it. demo.json remembers a digest of what was published.
 */
async function ensureFlows(demo) {
  const published = demo.published ?? {};
  for (const flow of demoFlows(base)) {
    const digest = createHash("sha256").update(JSON.stringify(flow.definition)).digest("base64url");
    const existing = await api("GET", `/api/rules/${flow.alias}`, demo.managementKey);
    if (existing.status !== 200) {
      await must("POST", "/api/rules", demo.managementKey, { ...flow, publish: true });
    } else if (published[flow.alias] !== digest) {
      await must("POST", `/api/rules/${flow.alias}/versions`, demo.managementKey, { definition: flow.definition, publish: true });
    }
    published[flow.alias] = digest;
  }
  demo.published = published;
  writeFileSync(demoFile, JSON.stringify(demo, null, 2));
}

/** "c-100 (Ada Lovelace, gold), …" from the demo API itself, or null if it does not answer. */
async function demoCustomers() {
  try {
    const response = await fetch(`${base}/demo/customers`);
    const { items } = await response.json();
    return items.map((customer) => `${customer.id} (${customer.name}, ${customer.segment})`).join(", ");
  } catch {
    return null;
  }
}

const vars = ensureDevVars();
// `npm start` builds the console first; a direct run (the tests) builds it only when missing.
if (!existsSync("web/dist/index.html") || !existsSync("web/dist/api-reference/standalone.js")) run("npx", ["vite", "build", "web", "--logLevel", "warn"]);
applyMigrations();
// The embedded Postgres the demo's database flows read and write (data under the state folder).
const postgres = await startEmbeddedPostgres({ stateDir });

const child = spawn("npx", [
    "wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", stateDir,
    "--test-scheduled", "--show-interactive-dev-session=false",
  ], {
  stdio: ["ignore", "inherit", "inherit"],
  env: childEnv,
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => postgres.stop().finally(() => process.exit(code ?? 0)));

await waitForServer(child);
const demo = await ensureDemo(vars.ADMIN_TOKEN, postgres);

// workerd does not fire cron triggers locally; call the watchdog every minute the way the cron would.
setInterval(() => fetch(`${base}/__scheduled?cron=*+*+*+*+*`).catch(() => {}), 60_000).unref();

const customers = await demoCustomers();
const auth = `-H "Authorization: Bearer ${demo.solverKey}"`;
const json = `-H "Content-Type: application/json"`;
console.log(`
flowjobs is running at ${base}
  console:        ${base}/
  API reference:  ${base}/api/docs
  admin token:    ${vars.ADMIN_TOKEN}   (in .dev.vars)
  solver key:     ${demo.solverKey}
  management key: ${demo.managementKey}

Start a job and read it back:
  curl -s -X POST ${base}/job/start/hello ${auth} ${json} -d '{"name":"Ada"}'
  curl -s ${base}/job/<jobId> ${auth}

A job that runs for minutes (a tick every 10 s), then cancel it:
  curl -s -X POST ${base}/job/start/countdown ${auth} ${json} -d '{"minutes":5}'
  curl -s -X POST ${base}/job/cancel/<jobId> ${auth}

Order enrichment (a REST call per order to the demo API, a decision table, a switch):
  curl -s -X POST ${base}/job/start/orders ${auth} ${json} -d '${JSON.stringify(sampleOrders(base))}'
  apiBase is where the flow calls the demo API (GET /demo/customers/{id}); left out, it is this server.
  ${customers ? `Customer ids the demo API knows: ${customers}.` : `The demo API lists its customers at ${base}/demo/customers.`}

Solve a decision table in the request (the synchronous half; an array of objects solves in bulk):
  curl -s -X POST ${base}/rule/solve/customer-score ${auth} ${json} -d '{"data":{"segment":"gold","orders":5}}'

Score customers from the embedded Postgres (${DEMO_CUSTOMERS.toLocaleString("en")} customers at ${postgres.host}:${postgres.port}; connector demo-db):
  curl -s -X POST ${base}/job/start/score-customers ${auth} ${json} -d '{"limit":5000}'
  leave out "limit" to score all of them; the scores land in the table customer_scores.
`);
