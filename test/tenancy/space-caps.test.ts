// What one space may hold (SPACE_CAPS): at the cap a create is 409 space-limit-reached and adds
// nothing; deleting one (revoking a key) makes room again. The count is inside the create's own
// statement, so a create that lands between another's check and its write still leaves the space
// at the cap (interleavedD1 puts it exactly there). The rows up to one short of a cap are seeded in
// SQL, then the API creates the last one and is refused the next.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { Problem } from "../../worker/errors";
import { createSchedule } from "../../worker/schedules/service";
import { SPACE_CAP_MAX, SPACE_CAPS, type CappedResource } from "../../worker/tenancy/caps";
import { createWebhook } from "../../worker/webhooks/service";
import { ADMIN_TOKEN, call, createTenant, publishFlow, type Tenant } from "../helpers/api";
import { interleavedD1 } from "../helpers/faults";
import { helloFlow } from "../helpers/flows";
import { httpConnector } from "../connectors/helpers";

const asUser = (tenant: Tenant, method: string, path: string, body?: unknown) => call(method, path, { key: tenant.managementKey, body });

const TABLE: Record<CappedResource, string> = { rules: "rules", webhooks: "webhooks", connectors: "connectors", schedules: "schedules", keys: "api_keys" };

/** The rows a space holds of a kind, as the cap counts them (a revoked key is not counted). */
async function held(tenant: Tenant, resource: CappedResource): Promise<number> {
  const live = resource === "keys" ? " AND revoked_at IS NULL" : "";
  const row = await env.DIRECTORY.prepare(`SELECT count(*) AS n FROM ${TABLE[resource]} WHERE space_id = ?${live}`).bind(tenant.spaceId).first<{ n: number }>();
  return row!.n;
}

/** Fills the space with seeded rows of a kind until it holds `until` of them. */
async function seed(tenant: Tenant, resource: CappedResource, until: number) {
  const count = until - (await held(tenant, resource));
  if (count <= 0) return;
  const rows = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?2)`;
  const id = `printf('SEED%s%06d', substr(?1, 11, 16), x)`;
  const statements: Record<CappedResource, string[]> = {
    rules: [
      `INSERT INTO rules (id, space_id, name, alias, type, latest_version, created_at, updated_at)
       ${rows} SELECT ${id}, ?1, 'seeded ' || x, 'seeded-' || x, 'decision-table', 1, 1, 1 FROM n`,
      `INSERT INTO rule_versions (rule_id, version, status, definition, created_at, published_at)
       SELECT id, 1, 'published', '{"hitPolicy":"FIRST_MATCH","inputs":[],"outputs":[],"rows":[]}', 1, 1 FROM rules WHERE space_id = ?1 AND id LIKE 'SEED%'`,
    ],
    webhooks: [
      `INSERT INTO webhooks (id, space_id, url, events, flows, enabled, secret_ciphertext, created_at, updated_at)
       ${rows} SELECT ${id}, ?1, 'https://hooks.example.com/' || x, '["JOB.COMPLETED"]', NULL, 0, 'seeded', 1, 1 FROM n`,
    ],
    connectors: [
      `INSERT INTO connectors (id, space_id, name, alias, type, config, secret_ciphertext, created_at, updated_at)
       ${rows} SELECT ${id}, ?1, 'seeded ' || x, 'seeded-' || x, 'http', '{"auth":"bearer"}', 'seeded', 1, 1 FROM n`,
    ],
    schedules: [
      `INSERT INTO schedules (id, space_id, name, flow, rule_id, version, cron, timezone, input, enabled, next_run_at, created_at, updated_at)
       ${rows} SELECT ${id}, ?1, 'seeded ' || x, 'hello', 'none', NULL, '0 9 * * *', 'UTC', '{}', 0, NULL, 1, 1 FROM n`,
    ],
    keys: [
      `INSERT INTO api_keys (id, space_id, account_id, kind, name, secret_hash, created_at)
       ${rows} SELECT ${id}, ?1, (SELECT account_id FROM spaces WHERE id = ?1), 'solver', 'seeded ' || x, 'seeded', 1 FROM n`,
    ],
  };
  for (const sql of statements[resource]) await env.DIRECTORY.prepare(sql).bind(...(sql.includes("?2") ? [tenant.spaceId, count] : [tenant.spaceId])).run();
  expect(await held(tenant, resource)).toBe(until);
}

/** What the API creates of each kind, the n-th time (aliases and names apart). */
const CREATE: Record<CappedResource, (tenant: Tenant, n: number) => ReturnType<typeof call>> = {
  rules: (tenant, n) =>
    asUser(tenant, "POST", "/api/rules", { name: `table ${n}`, alias: `table-${n}`, type: "decision-table", definition: { hitPolicy: "FIRST_MATCH", inputs: [], outputs: [], rows: [] } }),
  webhooks: (tenant, n) => asUser(tenant, "POST", "/api/webhooks", { url: `https://hooks.example.com/made/${n}`, events: ["JOB.COMPLETED"] }),
  connectors: (tenant, n) => asUser(tenant, "POST", "/api/connectors", httpConnector(`made-${n}`)),
  schedules: (tenant, n) => asUser(tenant, "POST", "/api/schedules", { name: `made ${n}`, flow: "hello", cron: "0 9 * * *", enabled: false }),
  keys: (tenant, n) => asUser(tenant, "POST", "/api/keys", { kind: "solver", name: `made ${n}` }),
};

const DELETE: Partial<Record<CappedResource, (created: { id: string }) => string>> = {
  webhooks: (created) => `/api/webhooks/${created.id}`,
  connectors: (created) => `/api/connectors/${created.id}`,
  schedules: (created) => `/api/schedules/${created.id}`,
  keys: (created) => `/api/keys/${created.id}`,
};

async function tenantWithFlow(): Promise<Tenant> {
  const tenant = await createTenant();
  await publishFlow(tenant, helloFlow, "hello");
  return tenant;
}

describe("a space at its cap", () => {
  for (const resource of Object.keys(SPACE_CAPS) as CappedResource[]) {
    it(`creates ${resource} up to ${SPACE_CAPS[resource]}, then answers 409 space-limit-reached and adds nothing${DELETE[resource] ? "; a delete makes room" : ""}`, { timeout: 60_000 }, async () => {
      const tenant = await tenantWithFlow();
      const cap = SPACE_CAPS[resource];
      await seed(tenant, resource, cap - 1);

      const last = await CREATE[resource](tenant, 1);
      expect(last.status, JSON.stringify(last.body)).toBe(201);
      expect(await held(tenant, resource)).toBe(cap);

      const refused = await CREATE[resource](tenant, 2);
      expect(refused.status).toBe(409);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body).toMatchObject({ type: "space-limit-reached", status: 409 });
      expect(refused.body.detail).toContain(`at most ${cap}`);
      expect(await held(tenant, resource)).toBe(cap);

      const remove = DELETE[resource];
      if (!remove) return;
      expect((await asUser(tenant, "DELETE", remove(last.body))).status).toBe(204);
      expect((await CREATE[resource](tenant, 3)).status).toBe(201);
      expect(await held(tenant, resource)).toBe(cap);
    });
  }

  it("counts only the space's own rows: another space of the account creates freely", async () => {
    const tenant = await tenantWithFlow();
    await seed(tenant, "webhooks", SPACE_CAPS.webhooks);
    expect((await CREATE.webhooks(tenant, 1)).status).toBe(409);
    const other = await createTenant();
    expect((await CREATE.webhooks(other, 1)).status).toBe(201);
  });
});

describe("two creates racing for a space's last place", () => {
  /** The Worker's env with a directory on which `between` lands just before the INSERT matching `write`. */
  const racing = (write: RegExp, between: () => Promise<unknown>): Env => ({
    ...(env as unknown as Env),
    DIRECTORY: interleavedD1(env.DIRECTORY, write, between),
  });

  async function refusal(work: Promise<unknown>): Promise<Problem> {
    const error = await work.then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Problem);
    return error as Problem;
  }

  it("adds one webhook: the one landing second is refused", async () => {
    const tenant = await tenantWithFlow();
    await seed(tenant, "webhooks", SPACE_CAPS.webhooks - 1);
    const raced = racing(/^\s*INSERT INTO webhooks/, async () => expect((await CREATE.webhooks(tenant, 1)).status).toBe(201));
    const caller = { keyId: "k", keyName: "k", kind: "management" as const, spaceId: tenant.spaceId, accountId: tenant.accountId, shard: tenant.shard };

    const refused = await refusal(createWebhook(raced, caller, { url: "https://hooks.example.com/raced", events: ["JOB.COMPLETED"] }));
    expect(refused).toMatchObject({ status: 409, type: "space-limit-reached" });
    expect(await held(tenant, "webhooks")).toBe(SPACE_CAPS.webhooks);
  });

  it("adds one schedule: the one landing second is refused", async () => {
    const tenant = await tenantWithFlow();
    await seed(tenant, "schedules", SPACE_CAPS.schedules - 1);
    const raced = racing(/^\s*INSERT INTO "schedules"/, async () => expect((await CREATE.schedules(tenant, 1)).status).toBe(201));

    const refused = await refusal(createSchedule(raced, tenant.spaceId, { name: "raced", flow: "hello", cron: "0 9 * * *", enabled: false }));
    expect(refused).toMatchObject({ status: 409, type: "space-limit-reached" });
    expect(await held(tenant, "schedules")).toBe(SPACE_CAPS.schedules);
  });
});

describe("an account's own caps (admin spaceCaps)", () => {
  const admin = (method: string, path: string, body?: unknown) => call(method, path, { key: ADMIN_TOKEN, body });

  it("raises a cap for every space of the account, merges what a PATCH names, and null puts the defaults back", { timeout: 60_000 }, async () => {
    const tenant = await tenantWithFlow();
    const bystander = await tenantWithFlow();
    expect((await admin("GET", `/api/admin/accounts/${tenant.accountId}`)).body.spaceCaps).toEqual(SPACE_CAPS);

    const raised = await admin("PATCH", `/api/admin/accounts/${tenant.accountId}`, { spaceCaps: { webhooks: 52 } });
    expect(raised.status).toBe(200);
    expect(raised.body.spaceCaps).toEqual({ ...SPACE_CAPS, webhooks: 52 });
    // A second PATCH naming another cap keeps the first.
    const both = await admin("PATCH", `/api/admin/accounts/${tenant.accountId}`, { spaceCaps: { schedules: 3 } });
    expect(both.body.spaceCaps).toEqual({ ...SPACE_CAPS, webhooks: 52, schedules: 3 });

    await seed(tenant, "webhooks", SPACE_CAPS.webhooks);
    expect((await CREATE.webhooks(tenant, 1)).status).toBe(201);
    expect((await CREATE.webhooks(tenant, 2)).status).toBe(201);
    const refused = await CREATE.webhooks(tenant, 3);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("at most 52 webhook endpoints");
    expect(await held(tenant, "webhooks")).toBe(52);
    // Lowered below the default: the fourth schedule is refused, naming 3.
    for (const n of [1, 2, 3]) expect((await CREATE.schedules(tenant, n)).status).toBe(201);
    expect((await CREATE.schedules(tenant, 4)).body).toMatchObject({ status: 409, detail: expect.stringContaining("at most 3 schedules") });
    // Other accounts keep the defaults.
    await seed(bystander, "webhooks", SPACE_CAPS.webhooks);
    expect((await CREATE.webhooks(bystander, 1)).status).toBe(409);

    const reset = await admin("PATCH", `/api/admin/accounts/${tenant.accountId}`, { spaceCaps: null });
    expect(reset.body.spaceCaps).toEqual(SPACE_CAPS);
    // Nothing is removed: the space keeps its 52 endpoints and creates none past the default.
    expect(await held(tenant, "webhooks")).toBe(52);
    expect((await CREATE.webhooks(tenant, 4)).body.detail).toContain(`at most ${SPACE_CAPS.webhooks} webhook endpoints`);
    expect((await CREATE.schedules(tenant, 4)).status).toBe(201);
  });

  it("refuses a cap past its maximum, below 1, or of nothing it knows (422), changing nothing", async () => {
    const tenant = await createTenant();
    for (const spaceCaps of [{ webhooks: SPACE_CAP_MAX.webhooks + 1 }, { rules: 0 }, { keys: 1.5 }, { workflows: 10 }]) {
      const refused = await admin("PATCH", `/api/admin/accounts/${tenant.accountId}`, { spaceCaps });
      expect({ spaceCaps, status: refused.status, type: refused.body.type }).toEqual({ spaceCaps, status: 422, type: "invalid-body" });
    }
    expect((await admin("GET", `/api/admin/accounts/${tenant.accountId}`)).body.spaceCaps).toEqual(SPACE_CAPS);
    const created = await admin("POST", "/api/admin/accounts", { name: "Big", spaceCaps: { connectors: SPACE_CAP_MAX.connectors } });
    expect(created.status).toBe(201);
    expect(created.body.spaceCaps).toEqual({ ...SPACE_CAPS, connectors: SPACE_CAP_MAX.connectors });
  });
});
