// drizzle-kit generates the SQL migrations in migrations/ from worker/db/schema.ts;
// wrangler applies them (locally with --local, in tests through applyD1Migrations).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/schema.ts",
  out: "./migrations",
});
