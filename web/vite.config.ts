// The console is a SolidJS app built by Vite into web/dist, served by the Worker as static assets.
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

export default defineConfig({
  root: __dirname,
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true },
});
