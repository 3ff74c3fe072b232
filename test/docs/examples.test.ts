// The format documentation cannot drift from the code: every example of docs/flows.md and
// docs/decision-tables.md is published and run through the API as a user would, and the job must
// end exactly as documented (or the save be refused with exactly the documented errors).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import decisionTablesDoc from "../../docs/decision-tables.md?raw";
import flowsDoc from "../../docs/flows.md?raw";
import { LIST_OPERATORS, SCALAR_OPERATORS, UNARY_OPERATORS } from "../../worker/decisions/table";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
import { call, createTenant, getJob, trigger, type Tenant } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { ownPostgres, testSql, type TestPostgres } from "../helpers/postgres";
import { extractExamples, type Example, type ExampleCase } from "./examples";

const DOCUMENTS = [
  { file: "docs/flows.md", examples: extractExamples(flowsDoc, "docs/flows.md") },
  { file: "docs/decision-tables.md", examples: extractExamples(decisionTablesDoc, "docs/decision-tables.md") },
];

/** The documentation's stand-in for an API; the test server's echo scenario answers with the request it got. */
const EXAMPLE_API = "https://api.example.com";

/** The flow docs/decision-tables.md runs each table example with: the job input in, the table's result out. */
function tableRunner(alias: string) {
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "decide", type: "BUSINESS_RULE", name: "decide", data: { rule: alias } },
      { id: "end", type: "END", name: "end", data: { output: "decide" } },
    ],
    connections: [
      { source: "start", target: "decide" },
      { source: "decide", target: "end" },
    ],
  };
}

function saveRule(tenant: Tenant, type: "integration-flow" | "decision-table", definition: unknown, alias: string) {
  return call("POST", "/api/rules", { key: tenant.managementKey, body: { name: alias, alias, type, definition, publish: true } });
}

async function publish(tenant: Tenant, type: "integration-flow" | "decision-table", definition: unknown, alias: string) {
  const saved = await saveRule(tenant, type, definition, alias);
  expect(saved.status, `saving '${alias}': ${JSON.stringify(saved.body)}`).toBe(201);
}

/**
 * The database of the DATABASE_* examples: a server of this file's own with the documents' ```sql
 * fixture``` blocks run on it, once.
 */
let exampleDatabase: Promise<TestPostgres> | undefined;
function databaseForExamples(): Promise<TestPostgres> {
  exampleDatabase ??= (async () => {
    const server = await ownPostgres();
    const sql = testSql(server);
    for (const [, fixture] of flowsDoc.matchAll(/^```sql fixture\n([\s\S]*?)^```$/gm)) await sql.unsafe(fixture);
    await sql.end();
    return server;
  })();
  return exampleDatabase;
}
beforeAll(() => databaseForExamples(), 60_000);

/** A tenant with every decision table of the document published (flows name them by alias), and the examples' postgres connector `warehouse`. */
async function tenantWithTables(examples: Example[]): Promise<Tenant> {
  const tenant = await createTenant();
  const { host, port, database, user, password } = await databaseForExamples();
  const connector = await call("POST", "/api/connectors", {
    key: tenant.managementKey,
    body: { name: "Warehouse", alias: "warehouse", type: "postgres", config: { host, port, database, user, ssl: "disable" }, secret: { password } },
  });
  expect(connector.status, JSON.stringify(connector.body)).toBe(201);
  for (const example of examples) {
    if (example.kind === "decision-table") await publish(tenant, "decision-table", example.definition, example.name);
  }
  return tenant;
}

/** Each example's calls go to its own URL of the test server, so runs never see each other's requests. */
function withTestApi(definition: unknown): unknown {
  const api = `${env.RECEIVER_URL}/api/echo/${crypto.randomUUID()}`;
  return JSON.parse(JSON.stringify(definition).replaceAll(EXAMPLE_API, api));
}

async function runCase(tenant: Tenant, alias: string, example: Example, documented: ExampleCase) {
  const started = await trigger(tenant, alias, documented.input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await dispatch(tenant.accountId);
  await runToEnd(started.body.jobId);
  const job = await getJob(tenant, started.body.jobId);
  const what = `${example.name} with input ${JSON.stringify(documented.input)}`;
  if ("error" in documented) {
    expect(job.status.state, `${what} ended ${job.status.state}`).toBe("ERROR");
    expect({ code: job.status.code, node: job.error?.node, message: job.error?.message }, what).toEqual(documented.error);
  } else {
    expect(job.status.state, `${what}: ${JSON.stringify(job.error)}`).toBe("COMPLETED");
    expect(job.output, what).toEqual(documented.output);
  }
}

for (const { file, examples } of DOCUMENTS) {
  describe(file, () => {
    for (const example of examples) {
      const title = `${example.kind} '${example.name}' (line ${example.line})`;
      if (example.kind === "flow-invalid" || example.kind === "decision-table-invalid") {
        it(`${title}: the save is refused with the documented errors`, async () => {
          const tenant = await tenantWithTables(examples);
          const type = example.kind === "flow-invalid" ? "integration-flow" : "decision-table";
          const saved = await saveRule(tenant, type, example.definition, example.name);
          expect(saved.status, JSON.stringify(saved.body)).toBe(422);
          expect(saved.body.type).toBe("invalid-definition");
          expect(saved.body.errors).toEqual(example.errors);
        });
        continue;
      }
      if (example.cases.length === 0) continue;
      it(`${title}: every documented input gives the documented result`, async () => {
        const tenant = await tenantWithTables(examples);
        let alias = example.name;
        if (example.kind === "flow") {
          await publish(tenant, "integration-flow", withTestApi(example.definition), alias);
        } else {
          alias = `run-${example.name}`;
          await publish(tenant, "integration-flow", tableRunner(example.name), alias);
        }
        for (const documented of example.cases) await runCase(tenant, alias, example, documented);
      });
    }
  });
}

describe("the format documentation covers the formats", () => {
  const flowExamples = DOCUMENTS.flatMap(({ examples }) => examples).filter((example) => example.kind === "flow");
  const tableExamples = DOCUMENTS.flatMap(({ examples }) => examples).filter((example) => example.kind === "decision-table");

  it("has a running example of every node type", () => {
    const used = new Set(flowExamples.flatMap((example) => (example.definition as { nodes: { type: string }[] }).nodes.map((node) => node.type)));
    expect(Object.keys(NODE_HANDLERS).filter((type) => !used.has(type))).toEqual([]);
  });

  it("has a running example of every decision-table operator", () => {
    const used = new Set(
      tableExamples.flatMap((example) =>
        (example.definition as { rows: { conditions?: Record<string, { op: string }> }[] }).rows.flatMap((row) =>
          Object.values(row.conditions ?? {}).map((condition) => condition.op),
        ),
      ),
    );
    const operators = [...UNARY_OPERATORS, ...SCALAR_OPERATORS, "BTW", ...LIST_OPERATORS];
    expect(operators.filter((operator) => !used.has(operator))).toEqual([]);
  });
});
