// Imports run downward (http → domain → storage): no file outside worker/http imports the HTTP
// layer; worker/index.ts, which only wires the app into the Worker's handlers, is the one exception.
// And one way to each database: only worker/db/databases.ts reads the raw D1 bindings, so every
// other module holds a typed Directory or JobShard handle.
// The sources come in through Vite's `?raw` glob, bundled into the test (workerd has no file system).
import { describe, expect, it } from "vitest";

declare global {
  interface ImportMeta {
    // Vite's glob import, transformed at build time (only as a literal `import.meta.glob(…)` call).
    glob(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, string>;
  }
}

const sources = import.meta.glob("../../worker/**/*.ts", { query: "?raw", import: "default", eager: true });

const WIRING = new Set(["worker/index.ts"]);

/** `../../worker/jobs/service.ts` → `worker/jobs/service.ts` (keys are relative to this file). */
function repoPath(key: string): string {
  return resolve("test/architecture", key);
}

function resolve(fromDir: string, specifier: string): string {
  const parts = fromDir.split("/");
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Every module a file names: static imports and re-exports (type-only ones too), and dynamic import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g)) found.push(match[1]);
  for (const match of source.matchAll(/\bimport\s*(?:\(\s*)?["']([^"']+)["']/g)) found.push(match[1]);
  return found;
}

function importsOfHttp(file: string, source: string): string[] {
  const dir = file.slice(0, file.lastIndexOf("/"));
  return specifiers(source).filter((specifier) => {
    if (!specifier.startsWith(".")) return false;
    const target = resolve(dir, specifier);
    return target === "worker/http" || target.startsWith("worker/http/");
  });
}

describe("layers", () => {
  it("reads the worker's sources", () => {
    const files = Object.keys(sources).map(repoPath);
    expect(files).toContain("worker/jobs/service.ts");
    expect(files).toContain("worker/http/app.ts");
    expect(files.length).toBeGreaterThan(50);
  });

  it("finds an import of the HTTP layer when there is one", () => {
    expect(importsOfHttp("worker/jobs/x.ts", 'import { NotFound } from "../http/problems";')).toEqual(["../http/problems"]);
    expect(importsOfHttp("worker/jobs/x.ts", 'import type {\n  AppEnv,\n} from "../http/context";')).toEqual(["../http/context"]);
    expect(importsOfHttp("worker/x.ts", 'export { app } from "./http/app";')).toEqual(["./http/app"]);
    expect(importsOfHttp("worker/jobs/x.ts", 'const m = await import("../http/app");')).toEqual(["../http/app"]);
    expect(importsOfHttp("worker/jobs/x.ts", 'import { NotFound } from "../errors";')).toEqual([]);
  });

  it("has no file outside worker/http import from worker/http", () => {
    const upward = Object.entries(sources)
      .map(([key, source]) => ({ file: repoPath(key), source }))
      .filter(({ file }) => !file.startsWith("worker/http/") && !WIRING.has(file))
      .flatMap(({ file, source }) => importsOfHttp(file, source).map((specifier) => `${file} imports ${specifier}`));
    expect(upward).toEqual([]);
  });
});

/**
 * Reads of the raw D1 bindings: env.DIRECTORY, env.JOBS_<n>, or a binding looked up by name in env.
 * (A lookup by name in any other object named `bindings`, such as an expression's variable bindings,
 * is not a read of the Worker's bindings; `bindings.DIRECTORY` and `bindings.JOBS_<n>` still count.)
 */
function rawBindingReads(source: string): string[] {
  return [...source.matchAll(/\b(?:(?:env|ENV)\s*(?:\.\s*(?:DIRECTORY|JOBS_\w+)\b|\[)|bindings\s*\.\s*(?:DIRECTORY|JOBS_\w+)\b)/g)].map(
    (match) => match[0],
  );
}

describe("one way to each database", () => {
  it("recognises a raw binding read", () => {
    expect(rawBindingReads("const db = env.DIRECTORY;")).toHaveLength(1);
    expect(rawBindingReads("await c.env.JOBS_0.prepare(sql)")).toHaveLength(1);
    expect(rawBindingReads("const d1 = env[name];")).toHaveLength(1);
    expect(rawBindingReads("const shard = jobShard(env, caller.shard);")).toEqual([]);
    expect(rawBindingReads("const d1 = bindings.JOBS_1;")).toHaveLength(1);
    expect(rawBindingReads("value = bindings[names[0]];")).toEqual([]);
  });

  it("has only worker/db/databases.ts read the D1 bindings", () => {
    const readers = Object.entries(sources)
      .map(([key, source]) => ({ file: repoPath(key), source }))
      .filter(({ file, source }) => file !== "worker/db/databases.ts" && rawBindingReads(source).length > 0)
      .map(({ file, source }) => `${file}: ${rawBindingReads(source).join(", ")}`);
    expect(readers).toEqual([]);
  });
});
