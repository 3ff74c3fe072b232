// drizzle-kit generates the directory database's SQL migrations in migrations/directory/ from
// worker/db/directory-schema.ts (npm run db:generate); wrangler applies them (locally with --local, in
// tests through applyD1Migrations).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/directory-schema.ts",
  out: "./migrations/directory",
});
