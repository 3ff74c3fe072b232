// The D1 databases wrangler.toml binds (the directory and every job shard), by database_name: what
// `npm start` applies migrations to locally and `npm run deploy` applies them to remotely.
import { readFileSync } from "node:fs";

export function databaseNames(config = "wrangler.toml") {
  return [...readFileSync(config, "utf8").matchAll(/^\s*database_name\s*=\s*"([^"]+)"/gm)].map((match) => match[1]);
}
