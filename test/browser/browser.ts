/// <reference types="node" />
// Debian's Chromium driven by playwright-core, headless, with a fresh profile per run.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = "test/browser/screenshots";

export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "flowjobs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    viewport: { width: 1360, height: 900 },
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The sessionStorage entry the console keeps the management key in (web/src/api/session.ts). */
export const KEY_STORAGE = "flowjobs.managementKey";

/** A new tab that is signed in before the console loads (the key put where sign-in puts it). */
export async function signedInPage(context: BrowserContext, managementKey: string): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(([name, key]) => sessionStorage.setItem(name, key), [KEY_STORAGE, managementKey] as const);
  return page;
}

/** Presses Tab until `target` has the focus, as a keyboard user does; fails after `limit` presses. */
export async function tabTo(page: Page, target: Locator, limit = 150) {
  for (let press = 0; press < limit; press++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Signs in through the form, as a user does. */
export async function signIn(page: Page, base: string, managementKey: string) {
  await page.goto(`${base}/`);
  await page.getByLabel("Management key").fill(managementKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}
