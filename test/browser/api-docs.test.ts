/// <reference types="node" />
// The API reference at /api/docs in Chromium with every request off the local server refused, as on
// a machine without network: the page must render the API's operations from what the Worker serves.
import { describe, expect, it } from "vitest";
import { screenshot } from "./browser";
import { sharedConsole } from "./shared";

const shared = sharedConsole();

describe("API reference", () => {
  it("renders the API's operations with every external request blocked", async () => {
    const page = await shared.browser.context.newPage();
    const blocked: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${shared.server.base}/`) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      blocked.push(url);
      return route.abort("internetdisconnected");
    });

    await page.goto(`${shared.server.base}/api/docs`);
    // Operation summaries come from /api/openapi.json, so seeing them means the UI loaded and read the document.
    await page.getByText("Start a job of the latest published version of a flow").first().waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByText("Cancel every waiting job of one flow version").count()).toBeGreaterThan(0);
    await screenshot(page, "api-docs-offline");

    // Nothing was even attempted off the server: no CDN script, no web fonts.
    expect(blocked).toEqual([]);
    await page.close();
  });
});
