// REST_API against a real HTTP server (test/webhooks/receiver.ts): request building, output shape,
// retries with backoff on 5xx, failOnError, timeouts and aborts; an http connector's credentials
// (injected here as the runner would resolve them); one request per item with bounded concurrency.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ConnectorType, ResolvedConnector, ResolvedOf } from "../../worker/connectors/types";
import { FlowFailure } from "../../worker/flow/failure";
import { RestApiData, restApiNode } from "../../worker/flow/nodes/rest-api";
import type { Checkpoint } from "../../worker/flow/checkpoint";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint } from "../../worker/flow/engine";
import type { EngineServices, LogLine } from "../../worker/flow/services";
import { inFlight, receivedRequests } from "../flow-jobs/helpers";
import { edge, engineFor, flow, node, runFlow, T0 } from "./run-flow";

const services = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) };
const api = (scenario: string) => `${env.RECEIVER_URL}/api/${scenario}/${crypto.randomUUID()}`;
const quoted = (text: string) => `'${text}'`;

/** START → call (REST_API with `data`) → END with `output`. */
const calling = (data: Record<string, unknown>, output = "call") =>
  flow([node("start", "START"), node("call", "REST_API", data), node("end", "END", { output })], [edge("start", "call"), edge("call", "end")]);

describe("REST_API", () => {
  it("sends method, headers and a JSON-encoded body built from expressions; the parsed answer is addressable by name", async () => {
    const url = api("echo");
    const definition = calling(
      {
        method: "post",
        url: `${quoted(url)} & '?customer=' & input.customer`,
        headers: { "x-customer": "input.customer", "x-missing": "input.nothing" },
        body: "{ 'items': input.items, 'count': $count(input.items) }",
      },
      "{ 'status': call.status, 'ok': call.ok, 'type': call.headers.`content-type`, 'echo': call.data }",
    );

    const run = await runFlow(definition, { customer: "ada", items: ["a", "b"] }, { services });

    expect(run.result.kind).toBe("completed");
    const output = (run.result as { output: any }).output;
    expect(output).toMatchObject({ status: 200, ok: true, type: "application/json; charset=utf-8" });
    expect(output.echo.method).toBe("POST");
    expect(output.echo.url).toMatch(/\?customer=ada$/);
    expect(output.echo.headers["x-customer"]).toBe("ada");
    expect(output.echo.headers["x-missing"]).toBeUndefined();
    expect(output.echo.headers["content-type"]).toBe("application/json");
    expect(output.echo.body).toEqual({ items: ["a", "b"], count: 2 });
    expect(run.logs.map((line) => line.message)).toEqual([expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/api\/echo\/[\w-]+\?… answered 200 \(attempt 1 of 1, \d+ ms\)$/)]);
  });

  it("keeps a text answer as text", async () => {
    const run = await runFlow(calling({ url: quoted(api("text")) }), {}, { services });

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 200, ok: true, data: "plain answer" } });
  });

  it("retries a 503 with backoff and succeeds on the third attempt", async () => {
    const started = Date.now();
    const run = await runFlow(calling({ url: quoted(api("flaky503")), retries: 2, retryDelayMs: 50 }), {}, { services });

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 200, ok: true, data: { attempt: 3 } } });
    // Backoff of 50 ms, then 100 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(run.logs.map((line) => [line.level, line.message.replace(/ \(.*/, "").replace(/^GET \S+ /, "")])).toEqual([
      ["warn", "answered 503"],
      ["warn", "answered 503"],
      ["info", "answered 200"],
    ]);
  });

  it("fails naming method, URL, status and attempts when the retries run out", async () => {
    const url = api("always503");
    const run = await runFlow(calling({ url: quoted(url), retries: 1, retryDelayMs: 1 }), {}, { services });

    expect(run.result).toEqual({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "call", message: `REST_API 'call': GET ${url} answered 503 after 2 attempts` });
    expect(run.logs.at(-1)).toMatchObject({ level: "error", data: { status: 503, body: expect.stringContaining("busy") } });
  });

  it("does not retry a 404, and fails with failOnError (the default)", async () => {
    const url = api("notfound");
    const run = await runFlow(calling({ url: quoted(url), retries: 3, retryDelayMs: 1 }), {}, { services });

    expect(run.result).toEqual({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "call", message: `REST_API 'call': GET ${url} answered 404 after 1 attempt` });
  });

  it("continues with ok: false and the answer when failOnError is false", async () => {
    const run = await runFlow(calling({ url: quoted(api("notfound")), failOnError: false }), {}, { services });

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 404, ok: false, data: { error: "no such order" } } });
  });

  it("retries network errors and reports them when no answer ever came, a refused connection in plain words with the host", async () => {
    // Nothing listens on port 9 (discard) on loopback: the connection is refused, which workerd
    // reports only as "Network connection lost".
    const run = await runFlow(calling({ url: "'http://127.0.0.1:9/orders?key=secret'", retries: 1, retryDelayMs: 1 }), {}, { services });

    expect(run.result).toMatchObject({ kind: "failed", node: "call" });
    const message = (run.result as { message: string }).message;
    expect(message).toBe("REST_API 'call': GET http://127.0.0.1:9/orders?… got no answer after 2 attempts: could not connect to 127.0.0.1:9 (connection refused or reset)");
    expect(run.logs.map((line) => line.message.replace(/ \(attempt.*/, ""))).toEqual([
      "GET http://127.0.0.1:9/orders?… failed: could not connect to 127.0.0.1:9 (connection refused or reset)",
      "GET http://127.0.0.1:9/orders?… failed: could not connect to 127.0.0.1:9 (connection refused or reset)",
    ]);
  });

  it("gives up on a call that does not answer within timeoutMs", async () => {
    const started = Date.now();
    const run = await runFlow(calling({ url: quoted(api("hang")), timeoutMs: 200, failOnError: false }), {}, { services });

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 0, ok: false, data: null, error: expect.stringContaining("no answer within 200 ms") } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops a call in flight when the job's signal is aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("Canceled by test")), 200);
    const started = Date.now();

    const run = await runFlow(calling({ url: quoted(api("hang")), retries: 3 }), {}, { services: { ...services, signal: controller.signal } });

    expect(run.result).toMatchObject({ kind: "failed", node: "call", message: expect.stringContaining("was aborted because the job was canceled") });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("fails clearly on a URL that is not absolute, and on a body for GET", async () => {
    const relative = await runFlow(calling({ url: "'/orders'" }), {}, { services });
    expect(relative.result).toMatchObject({ kind: "failed", message: `REST_API 'call': url: "/orders" is not an absolute URL such as "https://api.example.com/orders"` });

    const getWithBody = await runFlow(calling({ url: quoted(api("echo")), body: "{}" }), {}, { services });
    expect(getWithBody.result).toMatchObject({ kind: "failed", message: "REST_API 'call': body: a GET request cannot have a body" });
  });
});

/** The space's connectors as the runner resolves them (secret decrypted), for the node alone. */
function withConnectors(...connectors: ResolvedConnector[]): Pick<EngineServices, "connector"> {
  return {
    async connector<T extends ConnectorType>(alias: string, type: T): Promise<ResolvedOf<T>> {
      const found = connectors.find((connector) => connector.alias === alias && connector.type === type);
      if (!found) throw new FlowFailure(`connector '${alias}': this space has no ${type} connector of that alias`);
      return found as ResolvedOf<T>;
    },
  };
}

const TOKEN = "tok-3f9a1c5e-very-secret";
const httpConnector = (config: Extract<ResolvedConnector, { type: "http" }>["config"], secret: Record<string, string>, alias = "crm") =>
  ({ id: "c-1", alias, type: "http", config, secret }) satisfies ResolvedConnector;

/** Everything a run leaves behind: the result, every log line and the checkpoint. */
const traces = (run: Awaited<ReturnType<typeof runFlow>>) => JSON.stringify({ result: run.result, logs: run.logs, checkpoint: run.engine.checkpoint });

describe("REST_API with an http connector", () => {
  it("sends a bearer token as the Authorization header, after the baseUrl, and keeps it out of the output, logs and checkpoint", async () => {
    const name = crypto.randomUUID();
    const connector = httpConnector({ auth: "bearer", baseUrl: `${env.RECEIVER_URL}/api` }, { token: TOKEN });
    const definition = calling({ connector: "crm", url: `'slow/${name}?ms=0&customer=' & input.customer` });

    const run = await runFlow(definition, { customer: "ada" }, { services: { ...services, ...withConnectors(connector) } });

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 200, ok: true, data: { query: { ms: "0", customer: "ada" } } } });
    const [request] = await receivedRequests(name);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(run.logs.map((line) => line.message)).toEqual([expect.stringMatching(new RegExp(`^GET ${env.RECEIVER_URL}/api/slow/${name}\\?… answered 200 `))]);
    expect(traces(run)).not.toContain(TOKEN);
  });

  it("sends basic credentials as base64(username:password) and a header connector's value under its header name, replacing the flow's own", async () => {
    const basicName = crypto.randomUUID();
    const headerName = crypto.randomUUID();
    const connectors = withConnectors(
      httpConnector({ auth: "basic", username: "ada", baseUrl: env.RECEIVER_URL }, { password: "pä55:word" }, "basic"),
      httpConnector({ auth: "header", headerName: "X-Api-Key", baseUrl: env.RECEIVER_URL }, { value: TOKEN }, "keyed"),
    );

    const basic = await runFlow(calling({ connector: "basic", url: `'/api/slow/${basicName}?ms=0'` }), {}, { services: { ...services, ...connectors } });
    const keyed = await runFlow(calling({ connector: "keyed", url: `'api/slow/${headerName}?ms=0'`, headers: { "x-api-key": "'from the flow'" } }), {}, { services: { ...services, ...connectors } });

    expect(basic.result.kind).toBe("completed");
    expect(keyed.result.kind).toBe("completed");
    const utf8 = String.fromCharCode(...new TextEncoder().encode("ada:pä55:word"));
    expect((await receivedRequests(basicName))[0].headers.authorization).toBe(`Basic ${btoa(utf8)}`);
    expect((await receivedRequests(headerName))[0].headers["x-api-key"]).toBe(TOKEN);
    expect(traces(basic)).not.toContain("pä55:word");
    expect(traces(keyed)).not.toContain(TOKEN);
  });

  it("hides the secret when the far end repeats it back", async () => {
    const connector = httpConnector({ auth: "bearer" }, { token: TOKEN });

    const run = await runFlow(calling({ connector: "crm", url: quoted(api("echo")) }), {}, { services: { ...services, ...withConnectors(connector) } });

    expect(run.result).toMatchObject({ kind: "completed", output: { data: { headers: { authorization: "[hidden]" } } } });
    expect(traces(run)).not.toContain(TOKEN);
  });

  it("keeps the credentials on the baseUrl's origin: an absolute url elsewhere is refused, and a redirect elsewhere goes on without them", async () => {
    const connector = httpConnector({ auth: "bearer", baseUrl: `${env.RECEIVER_URL}/api/` }, { token: TOKEN });
    const options = { services: { ...services, ...withConnectors(connector) } };
    const elsewhere = `${env.RECEIVER_URL}`.replace("127.0.0.1", "localhost");

    const refused = await runFlow(calling({ connector: "crm", url: quoted(`${elsewhere}/api/slow/x`) }), {}, options);
    expect(refused.result).toMatchObject({
      kind: "failed",
      message: `REST_API 'call': url: ${elsewhere} is not the origin of connector 'crm' (${env.RECEIVER_URL}); its credentials are sent only there`,
    });

    const [first, second, third] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const target = encodeURIComponent(`${elsewhere}/api/slow/${third}?ms=0`);
    const sameOrigin = encodeURIComponent(`${env.RECEIVER_URL}/api/redirect/${second}?to=${target}`);
    const run = await runFlow(calling({ connector: "crm", method: "POST", body: "{ 'a': 1 }", url: quoted(`redirect/${first}?to=${sameOrigin}`) }), {}, options);

    expect(run.result).toMatchObject({ kind: "completed", output: { status: 200, data: { query: { ms: "0" } } } });
    expect((await receivedRequests(first))[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect((await receivedRequests(second))[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    const [last] = await receivedRequests(third);
    expect(last.headers.authorization).toBeUndefined();
    // A 302 after a POST continues as a GET without the body, as fetch does.
    expect(last.body).toBe("");
  });

  it("fails naming the connector when it is missing, has no baseUrl for a relative url, or its secret cannot be a header", async () => {
    const connectors = withConnectors(
      httpConnector({ auth: "bearer" }, { token: TOKEN }),
      httpConnector({ auth: "bearer" }, { token: `${TOKEN}\r\nx-injected: 1` }, "broken"),
    );
    const options = { services: { ...services, ...connectors } };

    const missing = await runFlow(calling({ connector: "nope", url: quoted(api("echo")) }), {}, options);
    const relative = await runFlow(calling({ connector: "crm", url: "'orders'" }), {}, options);
    const broken = await runFlow(calling({ connector: "broken", url: quoted(api("echo")) }), {}, options);
    const noHost = await runFlow(calling({ connector: "crm", url: quoted(api("echo")) }), {}, { services });

    expect(missing.result).toMatchObject({ kind: "failed", message: "REST_API 'call': connector 'nope': this space has no http connector of that alias" });
    expect(relative.result).toMatchObject({ kind: "failed", message: `REST_API 'call': url: "orders" is not an absolute URL, and connector 'crm' has no baseUrl to put before it` });
    expect(broken.result).toMatchObject({
      kind: "failed",
      message: "REST_API 'call': connector 'broken': its secret cannot be sent in an HTTP header (line breaks or characters outside Latin-1)",
    });
    expect(noHost.result).toMatchObject({ kind: "failed", message: "REST_API 'call': connector 'crm': this job cannot use connectors" });
    for (const run of [missing, relative, broken]) expect(traces(run)).not.toContain(TOKEN);
  });

  it("names its connector for save-time validation", () => {
    const data = RestApiData.parse({ url: "'x'", connector: "crm" });

    expect([...restApiNode.connectors!(data as never)]).toEqual([["connector", "crm", "http"]]);
    expect([...restApiNode.connectors!(RestApiData.parse({ url: "'x'" }) as never)]).toEqual([]);
  });
});

describe("REST_API over items", () => {
  it("calls once per item with <name>.item and <name>.index, at most `concurrency` at once, answers in item order", async () => {
    const name = crypto.randomUUID();
    // Later items answer sooner, so the answers arrive out of order.
    const definition = calling(
      {
        method: "POST",
        items: "input.orders",
        concurrency: 4,
        url: `'${env.RECEIVER_URL}/api/slow/${name}?ms=' & (200 - call.index * 10) & '&order=' & call.item.id`,
        headers: { "x-index": "call.index" },
        body: "{ 'amount': call.item.amount }",
      },
      "call.responses.{ 'status': status, 'order': data.query.order }",
    );
    const orders = Array.from({ length: 12 }, (_, index) => ({ id: `o-${index}`, amount: index * 10 }));

    const run = await runFlow(definition, { orders }, { services });

    expect(run.result).toEqual({ kind: "completed", output: orders.map((order) => ({ status: 200, order: order.id })) });
    expect(await inFlight(name)).toEqual({ now: 0, most: 4, answered: 12, closedByClient: 0 });
    const requests = await receivedRequests(name);
    expect(requests.map((request) => JSON.parse(request.body).amount).sort((a, b) => a - b)).toEqual(orders.map((order) => order.amount));
    expect(requests.map((request) => Number(request.headers["x-index"])).sort((a, b) => a - b)).toEqual(orders.map((_, index) => index));
    expect(run.logs).toHaveLength(12);
    const item3 = run.logs.find((line) => line.message.startsWith("item 3: "))!.message;
    expect(item3.replace(/\d+ ms\)$/, "… ms)")).toBe(`item 3: POST ${env.RECEIVER_URL}/api/slow/${name}?… answered 200 (attempt 1 of 1, … ms)`);
  });

  it("retries each item on its own", async () => {
    const prefix = crypto.randomUUID();
    const definition = calling({ items: "[0, 1, 2]", concurrency: 3, retries: 2, retryDelayMs: 10, url: `'${env.RECEIVER_URL}/api/flaky503/${prefix}-' & call.index` }, "call.responses.data.attempt");

    const run = await runFlow(definition, {}, { services });

    expect(run.result).toEqual({ kind: "completed", output: [3, 3, 3] });
    expect(run.logs.filter((line) => line.message.startsWith("item 1: ")).map((line) => line.message.match(/answered (\d+)/)![1])).toEqual(["503", "503", "200"]);
  });

  it("fails on the first failing item, naming its index; with failOnError: false every answer is kept", async () => {
    const ok = `${env.RECEIVER_URL}/api/slow/${crypto.randomUUID()}?ms=0`;
    const missing = `${env.RECEIVER_URL}/api/notfound/${crypto.randomUUID()}`;
    const urls = [ok, ok, missing, ok];

    const failing = await runFlow(calling({ items: "input.urls", url: "call.item" }), { urls }, { services });
    const kept = await runFlow(calling({ items: "input.urls", url: "call.item", failOnError: false }, "call.responses.status"), { urls }, { services });

    expect(failing.result).toEqual({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "call", message: `REST_API 'call': item 2: GET ${missing} answered 404 after 1 attempt` });
    // With concurrency 1 the items after the failing one are never called.
    expect(failing.logs.filter((line) => line.message.includes("answered 200"))).toHaveLength(2);
    expect(kept.result).toEqual({ kind: "completed", output: [200, 200, 404, 200] });
  });

  it("aborts every request in flight when the job's signal is aborted", async () => {
    const name = crypto.randomUUID();
    const controller = new AbortController();
    const definition = calling({ items: "[1..8]", concurrency: 5, retries: 3, url: `'${env.RECEIVER_URL}/api/slow/${name}?ms=60000'` });
    const running = runFlow(definition, {}, { services: { ...services, signal: controller.signal } });
    for (let polls = 0; (await inFlight(name)).now < 5; polls++) {
      if (polls > 200) throw new Error("the requests never reached the server");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const abortedAt = Date.now();
    controller.abort(new Error("Canceled by test"));
    const run = await running;

    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(run.result).toMatchObject({ kind: "failed", node: "call", message: expect.stringContaining("was aborted because the job was canceled") });
    for (let polls = 0; (await inFlight(name)).now > 0 && polls < 100; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inFlight(name)).toEqual({ now: 0, most: 5, answered: 0, closedByClient: 5 });
  });

  it("stops when the slice is spent and continues from its checkpoint: each item called once, the answers kept in item order", async () => {
    const name = crypto.randomUUID();
    // Later items answer sooner, so the answers arrive out of order within a slice.
    const definition = FlowDefinition.parse(
      calling({ items: "input.orders", concurrency: 3, headers: { "x-index": "call.index" }, url: `'${env.RECEIVER_URL}/api/slow/${name}?ms=' & (120 - call.index * 8) & '&order=' & call.item` }, "call.responses.data.query.order"),
    );
    const orders = Array.from({ length: 12 }, (_, index) => `o-${index}`);
    let started = 0;
    let sliceStartedWith = 0;
    const slicing: Omit<EngineServices, "log"> = {
      fetch: (input, init) => (started++, fetch(input, init)),
      // A slice is spent once it has started 4 requests.
      sliceSpent: () => started - sliceStartedWith >= 4,
    };
    const logs: LogLine[] = [];
    let engine = engineFor(definition, createCheckpoint(definition, { orders }, { id: "job-1", attempt: 1 }), { services: slicing }, logs);
    const kept: number[] = [];
    let result;
    for (let slice = 1; slice <= 10; slice++) {
      sliceStartedWith = started;
      result = await engine.step(T0);
      if (result.kind !== "ran") break;
      const checkpoint = JSON.parse(JSON.stringify(engine.checkpoint)) as Checkpoint;
      const answered = (checkpoint.context.call as { responses?: unknown[] } | undefined)?.responses?.length;
      if (answered !== undefined && checkpoint.partial) {
        // Every request started so far has its answer in the checkpoint, in item order.
        expect(answered).toBe(started);
        expect((await receivedRequests(name)).length).toBe(started);
        kept.push(answered);
      }
      // As after an eviction: the next slice starts from the stored checkpoint.
      engine = engineFor(definition, checkpoint, { services: slicing }, logs);
    }

    expect(result).toEqual({ kind: "completed", output: orders });
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    const requests = await receivedRequests(name);
    expect(requests.map((request) => Number(request.headers["x-index"])).sort((a, b) => a - b)).toEqual(orders.map((_, index) => index));
    expect(logs.filter((line) => line.message.endsWith("items answered; the rest continue in the next slice")).map((line) => line.message)).toEqual(
      kept.map((answered) => `${answered} of 12 items answered; the rest continue in the next slice`),
    );
  });

  it("refuses items that are not an array and a concurrency past 50", async () => {
    const notArray = await runFlow(calling({ items: "{ 'a': 1 }", url: "'http://127.0.0.1:9/'" }), {}, { services });
    const tooMany = await runFlow(calling({ items: "[1]", concurrency: 51, url: "'http://127.0.0.1:9/'" }), {}, { services });

    expect(notArray.result).toMatchObject({ kind: "failed", message: expect.stringContaining("items: expected an array, one request per item, got an object") });
    expect(tooMany.result).toMatchObject({ kind: "failed", message: expect.stringMatching(/^REST_API 'call': invalid node data: data\.concurrency: /) });
  });
});
