/// <reference types="node" />
// A real HTTP endpoint for webhook tests, started in Node by Vitest's globalSetup. The Worker under
// test POSTs to it over the loopback network; each path picks how it answers:
//   /ok/<name> 200 · /flaky/<name> 500, 500, then 200 · /gone/<name> 410 · /hang/<name> never answers
//   /busy/<name> 429 with Retry-After: 120 · /endless/<name> 200 with a body of '€' that never ends
//   (megabytes, sent as fast as the client reads, until it closes the connection)
// GET /requests/<name> returns what it received for <name> (for /endless: how many bytes it sent
// and whether the client closed).
// REST_API tests use /api/<scenario>/<name> (any method): flaky503 answers 503, 503, then 200 JSON ·
// always503 · notfound 404 JSON · hang never answers · echo 200 JSON of the request · text 200 text/plain ·
// slow answers 200 JSON { query } after ?ms= (default 200) milliseconds, without echoing the request ·
// redirect answers 302 to ?to=. GET /inflight/<name> tells, for the slow requests of <name>, how many
// are in flight now, the most ever at once, and how many were answered or closed by the client first.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

interface InFlight {
  now: number;
  most: number;
  answered: number;
  closedByClient: number;
}

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  streamedBytes?: number;
  closedByClient?: boolean;
}

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const received = new Map<string, Received[]>();
  const hanging = new Set<ServerResponse>();
  const inFlight = new Map<string, InFlight>();
  const server = createServer((request, response) => {
    const [, first, second, third] = (request.url ?? "").split("?")[0].split("/");
    if (first === "api") {
      collect(request, (body) => {
        const list = received.get(third) ?? [];
        list.push({ headers: request.headers, body });
        received.set(third, list);
        if (second === "slow") return answerSlowly(request, response, inFlight, third, hanging);
        answerApi(second, list.length, request, body, response, hanging);
      });
      return;
    }
    const [, scenario, name] = (request.url ?? "").split("/");
    if (request.method === "GET" && (scenario === "requests" || scenario === "inflight")) {
      response.writeHead(200, { "content-type": "application/json" });
      const found = scenario === "requests" ? (received.get(name) ?? []) : (inFlight.get(name) ?? { now: 0, most: 0, answered: 0, closedByClient: 0 });
      response.end(JSON.stringify(found));
      return;
    }
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const list = received.get(name) ?? [];
      list.push({ headers: request.headers, body });
      received.set(name, list);
      if (scenario === "hang") {
        hanging.add(response);
        return;
      }
      if (scenario === "endless") {
        hanging.add(response);
        streamForever(response, list[list.length - 1]);
        return;
      }
      const status =
        scenario === "ok" ? 200 : scenario === "gone" ? 410 : scenario === "busy" ? 429 : list.length <= 2 ? 500 : 200;
      response.writeHead(status, scenario === "busy" ? { "retry-after": "120" } : {});
      response.end(`answer ${status} for attempt ${list.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not start");
  project.provide("receiverUrl", `http://127.0.0.1:${address.port}`);
  return async () => {
    for (const response of hanging) response.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}

/** Writes 48 KiB of '€' at a time, each when the socket drains, until the client goes away. */
function streamForever(response: ServerResponse, record: Received) {
  const chunk = Buffer.from("€".repeat(16 * 1024));
  record.streamedBytes = 0;
  record.closedByClient = false;
  response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  response.on("close", () => (record.closedByClient = true));
  const write = () => {
    while (!response.destroyed) {
      record.streamedBytes! += chunk.byteLength;
      if (!response.write(chunk)) return void response.once("drain", write);
    }
  };
  write();
}

/** `slow`: answers after ?ms= milliseconds, counting the requests of `name` in flight. */
function answerSlowly(request: IncomingMessage, response: ServerResponse, inFlight: Map<string, InFlight>, name: string, hanging: Set<ServerResponse>) {
  const query = Object.fromEntries(new URL(request.url ?? "/", "http://receiver").searchParams);
  const counts = inFlight.get(name) ?? { now: 0, most: 0, answered: 0, closedByClient: 0 };
  inFlight.set(name, counts);
  counts.now++;
  counts.most = Math.max(counts.most, counts.now);
  hanging.add(response);
  const timer = setTimeout(() => {
    response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify({ query }));
  }, Number(query.ms ?? 200));
  response.on("close", () => {
    clearTimeout(timer);
    hanging.delete(response);
    counts.now--;
    if (response.writableFinished) counts.answered++;
    else counts.closedByClient++;
  });
}

function collect(request: IncomingMessage, then: (body: string) => void) {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => then(body));
}

function answerApi(scenario: string, attempt: number, request: IncomingMessage, body: string, response: ServerResponse, hanging: Set<ServerResponse>) {
  const json = (status: number, value: unknown) => {
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-attempt": String(attempt) });
    response.end(JSON.stringify(value));
  };
  switch (scenario) {
    case "flaky503":
      return attempt <= 2 ? json(503, { error: "busy", attempt }) : json(200, { orders: [{ id: "o-1", amount: 120 }], attempt });
    case "always503":
      return json(503, { error: "busy", attempt });
    case "notfound":
      return json(404, { error: "no such order" });
    case "hang":
      hanging.add(response);
      return;
    case "echo": {
      let parsed: unknown = body;
      try {
        parsed = body ? JSON.parse(body) : null;
      } catch {
        // Not JSON: echo the text as received.
      }
      return json(200, { method: request.method, url: request.url, headers: request.headers, body: parsed });
    }
    case "redirect": {
      const to = new URL(request.url ?? "/", "http://receiver").searchParams.get("to") ?? "/";
      response.writeHead(302, { location: to });
      response.end();
      return;
    }
    case "text":
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("plain answer");
      return;
    default:
      return json(400, { error: `unknown scenario ${scenario}` });
  }
}
