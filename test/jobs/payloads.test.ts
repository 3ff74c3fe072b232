// Large payloads in R2: an input or output above 64 KiB is stored in the PAYLOADS bucket under the
// job's id and its shard row keeps only the key; the API returns it exactly as sent; retention
// deletes the objects with the job, and nothing of the job is left in D1 or R2.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETENTION_DAYS } from "../../worker/jobs/retention";
import { INLINE_PAYLOAD_BYTES, payloadKey } from "../../worker/jobs/payloads";
import { runWatchdog } from "../../worker/jobs/watchdog";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { directoryDb, shardDatabases } from "../helpers/db";
import { dispatch, runToEnd } from "../helpers/drive";

/** START → END returning the input as it came: the output is as large as the input. */
const echoFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "end", type: "END", name: "end", data: { output: "input" } },
  ],
  connections: [{ source: "start", target: "end" }],
};

const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/** An input of just under `bytes` UTF-8 bytes, mixing ASCII, '€' (3 bytes) and an emoji (a surrogate pair). */
function largeInput(bytes: number) {
  const text = "flowjobs € 😀 ".repeat(8);
  const rowBytes = utf8({ index: 100_000, text }) + 1;
  const rows = Array.from({ length: Math.floor((bytes - 64) / rowBytes) }, (_, index) => ({ index, text }));
  return { rows, note: "the end" };
}

/** Every row anywhere in D1 that names the job, by table (the directory and each shard). */
async function d1RowsNaming(jobId: string): Promise<string[]> {
  const found: string[] = [];
  for (const { name, db } of [{ name: "DIRECTORY", db: directoryDb() }, ...shardDatabases()]) {
    const tables = await db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'")
      .all<{ name: string }>();
    for (const table of tables.results) {
      const rows = await db.prepare(`SELECT * FROM "${table.name}"`).all();
      const naming = rows.results.filter((row) => JSON.stringify(row).includes(jobId));
      if (naming.length) found.push(`${name}.${table.name}: ${naming.length}`);
    }
  }
  return found;
}

describe("large payloads in R2", () => {
  it("round-trips a 1 MiB input and an output of the same size exactly, with only a reference in D1", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, echoFlow, "echo");
    const input = largeInput(1000 * 1024);
    expect(utf8(input)).toBeGreaterThan(900 * 1024);
    expect(utf8(input)).toBeLessThan(1024 * 1024);

    const started = await trigger(tenant, "echo", input);
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    expect(started.body.inputData).toEqual(input);
    const row = await tenant.db.prepare("SELECT input, input_ref FROM jobs WHERE id = ?").bind(jobId).first<{ input: string; input_ref: string }>();
    expect(row).toEqual({ input: "", input_ref: payloadKey(jobId, "input") });
    expect(await (await env.PAYLOADS.get(payloadKey(jobId, "input")))!.text()).toBe(JSON.stringify(input));
    // Read back through the API before it runs, exactly as sent.
    expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body.inputData).toEqual(input);

    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    const output = await tenant.db.prepare("SELECT output, output_ref FROM job_outputs WHERE job_id = ?").bind(jobId).first();
    expect(output).toEqual({ output: "", output_ref: payloadKey(jobId, "output") });
    const job = (await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body;
    expect(job.output).toEqual(input);
    expect(job.inputData).toEqual(input);
    // The console's job page reads the same.
    expect((await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey })).body.output).toEqual(input);
    // A shard row of the job is small: the payloads are not in it.
    const stored = await tenant.db.prepare("SELECT length(CAST(input AS BLOB)) AS bytes FROM jobs WHERE id = ?").bind(jobId).first<{ bytes: number }>();
    expect(stored!.bytes).toBe(0);
  });

  it("keeps payloads up to 64 KiB in the row and puts nothing in R2", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, echoFlow, "echo");
    const input = largeInput(INLINE_PAYLOAD_BYTES - 2048);
    expect(utf8(input)).toBeLessThanOrEqual(INLINE_PAYLOAD_BYTES);
    const jobId = (await trigger(tenant, "echo", input)).body.jobId as string;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    const row = await tenant.db.prepare("SELECT input, input_ref FROM jobs WHERE id = ?").bind(jobId).first<{ input: string; input_ref: string | null }>();
    expect(row!.input_ref).toBeNull();
    expect(JSON.parse(row!.input)).toEqual(input);
    expect(await env.PAYLOADS.head(payloadKey(jobId, "input"))).toBeNull();
    expect(await env.PAYLOADS.head(payloadKey(jobId, "output"))).toBeNull();
    expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body.output).toEqual(input);
  });

  it("leaves nothing of a large job in D1 or R2 after retention, and the usage totals stay", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, echoFlow, "echo");
    const input = largeInput(300 * 1024);
    const jobId = (await trigger(tenant, "echo", input)).body.jobId as string;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    const usedBefore = (await call("GET", "/api/usage", { key: tenant.managementKey })).body.usedSeconds;
    expect(usedBefore).toBeGreaterThan(0);
    expect(await d1RowsNaming(jobId)).not.toEqual([]);

    const report = await runWatchdog(env, Date.now() + (DEFAULT_RETENTION_DAYS + 1) * 86_400_000);
    expect(report.purged).toContain(jobId);
    expect(await d1RowsNaming(jobId)).toEqual([]);
    expect(await env.PAYLOADS.head(payloadKey(jobId, "input"))).toBeNull();
    expect(await env.PAYLOADS.head(payloadKey(jobId, "output"))).toBeNull();
    expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).status).toBe(404);
    // The counters keep the totals, and the drift check still balances without the job's ledger rows.
    expect((await call("GET", "/api/usage", { key: tenant.managementKey })).body.usedSeconds).toBe(usedBefore);
    expect((await call("GET", "/api/usage/verify", { key: tenant.managementKey })).body).toMatchObject({ drift: [], jobMismatches: [] });
  });
});
