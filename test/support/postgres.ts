/// <reference types="node" />
// A real Postgres for the DATABASE_* tests, started by Vitest's globalSetup in Node: PGlite served
// over the wire protocol on loopback (test/support/pglite-server.mjs, data in a temp folder), or,
// when FLOWJOBS_TEST_POSTGRES_URL is set (CI's second pass), that server. Either way the Worker
// reaches it through a small TCP proxy here, which reads the statements clients send (so a test can
// wait until one is in flight) and can drop a connection the way pg_terminate_backend does (a FATAL
// 57P01, then the socket closes) — something PGlite, a single session, cannot do to itself.
// Provides `postgres` (how to connect) and `postgresControl`, an HTTP endpoint on loopback:
//   GET  /queries?marker=<text>    → { count }: statements seen whose text contains <text>
//   POST /terminate?marker=<text>  → { terminated }: connections whose last statement contains <text> get 57P01 and close
//   POST /database                 → a server of its own (a fresh PGlite, in memory), for a test file
//                                    or a test that leaves the server busy; against a real server, the
//                                    shared one. PGlite is one session: its socket server interleaves
//                                    the protocol messages of concurrent clients, which breaks the
//                                    unnamed statements and portals of the extended protocol, so
//                                    suites that run at the same time must not share one; and it
//                                    ignores cancels, so a canceled pg_sleep keeps it asleep.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

export interface TestPostgres {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** PGlite cannot terminate or cancel a backend; tests of those use the proxy instead. */
  kind: "pglite" | "postgresql";
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: TestPostgres;
    postgresControl: string;
  }
}

const SSL_REQUEST = 80877103;
const PROTOCOL_3 = 196608;

interface Seen {
  text: string;
}

interface ProxiedConnection {
  client: Socket;
  upstream: Socket;
  lastStatement: string;
  /** Bytes left of the server message being forwarded, and the part of the next header seen: both empty at a message boundary. */
  serverRemaining: number;
  serverHeader: Buffer;
}

/** A loopback port in front of `target` that records the statements passing through. */
async function startProxy(target: { host: string; port: number }, seen: Seen[], open: Set<ProxiedConnection>): Promise<{ server: Server; port: number }> {
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    // Each protocol message as it comes: Nagle's algorithm would hold small writes for an ACK.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const connection: ProxiedConnection = { client, upstream, lastStatement: "", serverRemaining: 0, serverHeader: Buffer.alloc(0) };
    open.add(connection);
    let buffer = Buffer.alloc(0);
    let phase: "startup" | "typed" | "opaque" = "startup";
    let serverTyped = false;
    client.on("data", (chunk) => {
      upstream.write(chunk);
      if (phase === "opaque") return;
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (phase === "startup") {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          buffer = buffer.subarray(length);
          // Past an SSL request the tests' servers answer N (no TLS); a cancel request is all there is.
          if (code === PROTOCOL_3) {
            phase = "typed";
            serverTyped = true;
          } else if (code !== SSL_REQUEST) {
            phase = "opaque";
            return;
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        const type = String.fromCharCode(buffer[0]);
        const body = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        let text: string | null = null;
        if (type === "Q") text = body.subarray(0, body.indexOf(0)).toString("utf8");
        if (type === "P") {
          const nameEnd = body.indexOf(0);
          text = body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)).toString("utf8");
        }
        if (text !== null) {
          connection.lastStatement = text;
          seen.push({ text });
        }
      }
    });
    upstream.on("data", (chunk) => {
      client.write(chunk);
      // Track server message boundaries (after the one-byte SSL answer), so an injected error never splits a message.
      if (!serverTyped) return;
      for (let offset = 0; offset < chunk.length; ) {
        if (connection.serverRemaining > 0) {
          const taken = Math.min(connection.serverRemaining, chunk.length - offset);
          connection.serverRemaining -= taken;
          offset += taken;
          continue;
        }
        const taken = chunk.subarray(offset, offset + 5 - connection.serverHeader.length);
        connection.serverHeader = Buffer.concat([connection.serverHeader, taken]);
        offset += taken.length;
        if (connection.serverHeader.length < 5) break;
        connection.serverRemaining = connection.serverHeader.readInt32BE(1) - 4;
        connection.serverHeader = Buffer.alloc(0);
      }
    });
    const close = () => {
      open.delete(connection);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("postgres proxy did not start");
  return { server, port: address.port };
}

/** What Postgres sends a client whose backend pg_terminate_backend ended. */
function adminShutdown(): Buffer {
  const fields = ["SFATAL", "VFATAL", "C57P01", "Mterminating connection due to administrator command"];
  const body = Buffer.concat([...fields.map((field) => Buffer.from(`${field}\0`, "utf8")), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0, "latin1");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

/** A PGlite of its own in a child process (in memory without `dataDir`), on a loopback port; also used by the crash suite. */
export async function startPglite(dataDir: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(import.meta.dirname, "pglite-server.mjs"), dataDir ? [dataDir] : [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`PGlite server exited with ${code}`)));
  });
  return { child, port };
}

function fromUrl(url: string): Omit<TestPostgres, "kind"> {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

export default async function setup(project: TestProject) {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const seen: Seen[] = [];
  const open = new Set<ProxiedConnection>();
  const external = process.env.FLOWJOBS_TEST_POSTGRES_URL;
  let dataDir: string | undefined;

  let backend: Omit<TestPostgres, "kind">;
  if (external) {
    backend = fromUrl(external);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), "flowjobs-pglite-"));
    const pglite = await startPglite(dataDir);
    children.push(pglite.child);
    // PGlite has one database and takes any credentials; the tests still send a password.
    backend = { host: "127.0.0.1", port: pglite.port, database: "postgres", user: "postgres", password: "test-password" };
  }
  const proxy = await startProxy(backend, seen, open);
  servers.push(proxy.server);
  const shared: TestPostgres = { ...backend, host: "127.0.0.1", port: proxy.port, kind: external ? "postgresql" : "pglite" };

  const control = createHttpServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://control");
    const marker = url.searchParams.get("marker") ?? "";
    const answer = (value: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    try {
      if (request.method === "GET" && url.pathname === "/queries") {
        return answer({ count: seen.filter((entry) => entry.text.includes(marker)).length });
      }
      if (request.method === "POST" && url.pathname === "/terminate") {
        let terminated = 0;
        for (const connection of [...open]) {
          if (!marker || !connection.lastStatement.includes(marker)) continue;
          if (connection.serverRemaining === 0 && connection.serverHeader.length === 0) connection.client.write(adminShutdown());
          connection.client.end();
          connection.upstream.destroy();
          open.delete(connection);
          terminated++;
        }
        return answer({ terminated });
      }
      if (request.method === "POST" && url.pathname === "/database") {
        if (external) return answer(shared);
        const pglite = await startPglite(undefined);
        children.push(pglite.child);
        const ownProxy = await startProxy({ host: "127.0.0.1", port: pglite.port }, seen, open);
        servers.push(ownProxy.server);
        return answer({ ...shared, port: ownProxy.port });
      }
      response.writeHead(404).end();
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const address = control.address();
  if (!address || typeof address === "string") throw new Error("postgres control did not start");

  project.provide("postgres", shared);
  project.provide("postgresControl", `http://127.0.0.1:${address.port}`);
  return async () => {
    for (const connection of open) {
      connection.client.destroy();
      connection.upstream.destroy();
    }
    await new Promise((resolve) => control.close(resolve));
    for (const server of servers) server.close();
    // SIGKILL: a PGlite busy in pg_sleep does not get to handle anything gentler.
    for (const child of children) child.kill("SIGKILL");
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}
