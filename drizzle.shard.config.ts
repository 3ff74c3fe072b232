// drizzle-kit generates the shard database's SQL migrations in migrations/shard/ from
// worker/db/shard-schema.ts (npm run db:generate); wrangler applies them (locally with --local, in
// tests through applyD1Migrations), to every job shard.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/shard-schema.ts",
  out: "./migrations/shard",
});
