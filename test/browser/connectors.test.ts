/// <reference types="node" />
// The Connectors page in Chromium against `npm start`: create an http connector through the form,
// test it, edit it (the secret field is never filled in), and see why deleting one a published flow
// uses is refused. The secret never reaches the page once saved.
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage } from "./browser";
import { sharedConsole } from "./shared";
import { call, freePort } from "./server";

const shared = sharedConsole();
const run = Date.now().toString(36);
const TOKEN = `browser-Secret-${run}`;

describe("connectors page", () => {
  it("creates, tests, edits and explains a refused delete; the secret is write-only", async () => {
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    const alias = `crm-${run}`;
    const closed = await freePort();
    await page.goto(`${shared.server.base}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connectors" }).click();
    await page.getByRole("heading", { name: "Connectors" }).waitFor();

    await page.getByRole("button", { name: "New connector" }).click();
    await page.getByLabel("Name", { exact: true }).fill("CRM API");
    await page.getByLabel("Alias (what flows name)").fill(alias);
    await page.getByLabel(/^HTTP/).check();
    await page.getByLabel(/^Base URL/).fill(`http://127.0.0.1:${closed}/v1`);
    await page.getByLabel(/^Token/).fill(TOKEN);
    await page.getByRole("button", { name: "Create connector" }).click();

    const card = page.locator(`li[data-connector="${alias}"]`);
    await card.waitFor();
    expect(await card.getByTestId("connector-summary").textContent()).toBe(`bearer token · http://127.0.0.1:${closed}/v1`);
    await card.getByRole("button", { name: "Test" }).click();
    await expect.poll(() => card.getByTestId("connector-test").textContent(), { timeout: 15_000 }).toContain("Failed");
    expect(await card.getByTestId("connector-test").textContent()).toContain(`127.0.0.1:${closed}`);

    // Editing shows the settings but never the secret; saving without one keeps it.
    await card.getByRole("button", { name: "Edit" }).click();
    expect(await card.getByLabel(/^Token/).inputValue()).toBe("");
    await card.getByLabel("Name", { exact: true }).fill("CRM API (EU)");
    await card.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.locator("strong").first().textContent()).toBe("CRM API (EU)");
    expect(await page.content()).not.toContain(TOKEN);

    // A published flow names it: deleting is refused, naming the flow version.
    await call(shared.server.base, shared.server.managementKey, "POST", "/api/rules", {
      name: `uses ${alias}`,
      alias: `uses-${alias}`,
      type: "integration-flow",
      publish: true,
      definition: {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "fetch", type: "REST_API", name: "fetch", data: { connector: alias, url: "'customers'" } },
        ],
        connections: [{ source: "start", target: "fetch" }],
      },
    });
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Delete", exact: true }).click();
    const problem = card.getByRole("alert");
    await expect.poll(() => problem.textContent()).toContain("Connector in use");
    expect(await problem.textContent()).toContain(`rules[uses-${alias}].versions[1]`);
    await screenshot(page, "connectors-in-use");
    expect(await page.content()).not.toContain(TOKEN);
    await page.close();
  });

  it("offers Hyperdrive for postgres: the binding's name instead of host and password, refused when the deployment lacks it", async () => {
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    await page.goto(`${shared.server.base}/connectors`);
    await page.getByRole("button", { name: "New connector" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Warehouse");
    await page.getByLabel("Alias (what flows name)").fill(`warehouse-${run}`);
    await page.getByLabel(/^Through Hyperdrive/).check();
    // No server fields and no password: the binding holds them.
    expect(await page.getByLabel("Host", { exact: true }).count()).toBe(0);
    expect(await page.getByLabel(/^Password/).count()).toBe(0);
    await page.getByLabel("Hyperdrive binding").fill("PG_WAREHOUSE");
    await page.getByRole("button", { name: "Create connector" }).click();
    // npm start binds no Hyperdrive: the API's refusal, on the field it names.
    const problem = page.getByRole("alert");
    await expect.poll(() => problem.textContent()).toContain("this deployment has no Hyperdrive binding 'PG_WAREHOUSE'");
    expect(await problem.textContent()).toContain("json.config.hyperdrive");
    await page.close();
  });
});
