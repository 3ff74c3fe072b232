// `npm run bench:profile`: where the Worker's CPU goes while jobs run end to end. Starts the
// benchmark Worker as `npm run bench` does (state in RAM), runs `hello` jobs from 10 clients for
// PROFILE_SECONDS (10), each starting a job and waiting for its end (GET /job/{id}?wait=30), and
// samples the Worker's isolate — its routes, queue consumers and JobRunner objects — with the V8 CPU
// profiler through wrangler's inspector. Prints jobs/s and the functions with the most time, by
// self time and inclusive. Local D1 and queues run in Miniflare's own services: their work shows as
// the time of the calls into them.
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { ADMIN_TOKEN, localServer } from "../support/local-server.mjs";
import { helloFlow, sleepyFlow } from "./flows.mjs";

const INSPECTOR_PORT = 9239;
const seconds = Number(process.env.PROFILE_SECONDS ?? 10);
const server = await localServer({
  config: "test/bench/wrangler.toml",
  readyPath: "/bench/bare",
  stateRoot: existsSync("/dev/shm") ? "/dev/shm" : tmpdir(),
  inspectorPort: INSPECTOR_PORT,
});
const { api } = server;

/** One Chrome DevTools Protocol session with the Worker's isolate. */
async function inspector() {
  // wrangler's inspector proxy accepts the DevTools front end's origin.
  const socket = new WebSocket(`ws://127.0.0.1:${INSPECTOR_PORT}/ws`, { headers: { Origin: "https://devtools.devprod.cloudflare.dev" } });
  await new Promise((open, fail) => {
    socket.onopen = open;
    socket.onerror = fail;
  });
  let lastId = 0;
  const pending = new Map();
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    pending.get(data.id)?.(data.result);
    pending.delete(data.id);
  };
  return {
    send: (method, params = {}) =>
      new Promise((answer) => {
        pending.set(++lastId, answer);
        socket.send(JSON.stringify({ id: lastId, method, params }));
      }),
    close: () => socket.close(),
  };
}

function frameName({ functionName, url, lineNumber }) {
  return `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
}

/** Self and inclusive sample counts per function, as percentages of all samples. */
function summarise(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const inclusive = new Map();
  for (const id of profile.samples) {
    const name = frameName(nodes.get(id).callFrame);
    self.set(name, (self.get(name) ?? 0) + 1);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const outer = frameName(nodes.get(at).callFrame);
      if (!seen.has(outer)) inclusive.set(outer, (inclusive.get(outer) ?? 0) + 1);
      seen.add(outer);
    }
  }
  const top = (counts) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([name, count]) => `${((100 * count) / profile.samples.length).toFixed(1).padStart(5)} %  ${name}`);
  return { self: top(self), inclusive: top(inclusive) };
}

try {
  const account = await api("POST", "/api/admin/accounts", ADMIN_TOKEN, { name: "profile", parallelLimit: process.env.PROFILE_WHAT === "trigger" ? 1 : 50, freeSeconds: 10_000_000 });
  const space = await api("POST", `/api/admin/accounts/${account.id}/spaces`, ADMIN_TOKEN, { name: "profile" });
  const solver = (await api("POST", `/api/admin/spaces/${space.id}/keys`, ADMIN_TOKEN, { kind: "solver", name: "profile" })).key;
  const management = (await api("POST", `/api/admin/spaces/${space.id}/keys`, ADMIN_TOKEN, { kind: "management", name: "profile" })).key;
  await api("POST", "/api/rules", management, { name: "hello", alias: "hello", type: "integration-flow", definition: helloFlow, publish: true });
  // PROFILE_WHAT=trigger: triggers only, at an account whose one slot a sleeping job holds (the
  // trigger / bare row with every slot taken); otherwise whole jobs, trigger to end.
  const triggersOnly = process.env.PROFILE_WHAT === "trigger";
  if (triggersOnly) {
    await api("POST", "/api/rules", management, { name: "sleepy", alias: "sleepy", type: "integration-flow", definition: sleepyFlow, publish: true });
    await api("POST", "/job/start/sleepy", solver, { seconds: 3600 });
  }
  const runJob = async () => {
    const { jobId } = await api("POST", "/job/start/hello", solver, {});
    if (!triggersOnly) await api("GET", `/job/${jobId}?wait=30`, solver);
  };
  // Warm: the first jobs compile the Worker's code and fill its caches.
  for (let index = 0; index < 20; index++) await runJob();
  const session = await inspector();
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 200 });
  await session.send("Profiler.start");
  const until = Date.now() + seconds * 1000;
  let jobs = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (Date.now() < until) {
      await runJob();
      jobs++;
    }
  }));
  const { profile } = await session.send("Profiler.stop");
  session.close();
  const { self, inclusive } = summarise(profile);
  console.log(`${jobs} hello ${triggersOnly ? "triggers" : "jobs"} in ${seconds} s: ${(jobs / seconds).toFixed(1)}/s ${triggersOnly ? "accepted" : "end to end"}\n\nself time:\n${self.join("\n")}\n\ninclusive:\n${inclusive.join("\n")}`);
} finally {
  server.stop();
}
