/// <reference types="node" />
// What a browser test file shares: one `npm start` and one Chromium (kept out of browser.ts, which the
// benchmarks import too).
import { afterAll, beforeAll } from "vitest";
import { launch } from "./browser";
import { startServer, type TestServer } from "./server";

/**
 * `npm start` and a Chromium for the test file that calls this: started before its tests, stopped
 * after them. Read `server` and `browser` inside the tests (they are set once beforeAll has run).
 */
export function sharedConsole(): { readonly server: TestServer; readonly browser: Awaited<ReturnType<typeof launch>> } {
  let server: TestServer | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  beforeAll(async () => {
    server = await startServer();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error("the server starts in beforeAll");
      return server;
    },
    get browser() {
      if (!browser) throw new Error("the browser starts in beforeAll");
      return browser;
    },
  };
}

