// The console is a SolidJS app built by Vite into web/dist, served by the Worker as static assets,
// together with the API reference's UI (so /api/docs needs no network).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

/** Where /api/docs loads the reference UI from (worker/http/app.ts); outside run_worker_first, so the assets serve it. */
export const API_REFERENCE_SCRIPT = "api-reference/standalone.js";

/** Ships Scalar's standalone browser bundle from the npm package: the hono middleware would load it from a CDN at run time. */
function apiReferenceUi(): Plugin {
  return {
    name: "api-reference-ui",
    apply: "build",
    generateBundle() {
      // The package does not export the file; it sits beside the entry point, in dist/browser/.
      const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
      this.emitFile({ type: "asset", fileName: API_REFERENCE_SCRIPT, source: readFileSync(join(dirname(entry), "browser/standalone.js")) });
    },
  };
}

export default defineConfig({
  root: __dirname,
  plugins: [solid(), apiReferenceUi()],
  build: { outDir: "dist", emptyOutDir: true },
});
