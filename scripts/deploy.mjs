// npm run deploy: applies the D1 migrations to the directory and to every job shard in wrangler.toml
// (each has its migrations_dir), then uploads the Worker. A shard added to wrangler.toml gets its
// tables here before any account can be placed on it.
import { spawnSync } from "node:child_process";
import { databaseNames } from "./databases.mjs";

function run(args) {
  console.log(`> npx ${args.join(" ")}`);
  const result = spawnSync("npx", args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

for (const database of databaseNames()) run(["wrangler", "d1", "migrations", "apply", database, "--remote"]);
run(["wrangler", "deploy"]);
