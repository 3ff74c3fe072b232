// REST_API against a real HTTP server (test/webhooks/receiver.ts): request building, output shape,
// retries with backoff on 5xx, failOnError, timeouts and aborts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

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
