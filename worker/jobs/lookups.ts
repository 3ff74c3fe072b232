// What a flow's nodes look up in their space while an engine runs, for a job's runner and for a solve
// alike: decision tables (BUSINESS_RULE) and connectors (secret decrypted). Each is read once per
// engine — a loop calling BUSINESS_RULE per item costs one D1 read — and a failed read (D1 briefly
// unavailable) is not remembered. Nothing of it goes into a checkpoint or a log.
import { resolveConnector } from "../connectors/resolve";
import type { ConnectorType, ResolvedOf } from "../connectors/types";
import { directory } from "../db/databases";
import { loadPublishedTable, type TableVersion } from "../decisions/store";
import type { Env } from "../env";
import type { EngineServices } from "../flow/services";

/** Once per key, while the promise holds: a rejected one is dropped, so the next call reads again. */
function onceEach<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (key, load) => {
    let value = loaded.get(key);
    if (!value) {
      value = load();
      loaded.set(key, value);
      value.catch(() => loaded.delete(key));
    }
    return value;
  };
}

/**
 * The space's tables and connectors, as the engine's services read them. `loadTable` reads a table
 * instead of the directory (a solve's, from what its isolate remembers).
 */
export function spaceLookups(
  env: Env,
  account: { accountId: string; spaceId: string },
  options: { loadTable?: (rule: string, version: TableVersion) => Promise<unknown> } = {},
): Required<Pick<EngineServices, "loadDecisionTable" | "connector">> {
  const tables = onceEach<unknown>();
  const connectors = onceEach<unknown>();
  const loadTable = options.loadTable ?? ((rule, version) => loadPublishedTable(directory(env).orm(), account.spaceId, rule, version));
  return {
    loadDecisionTable: (rule, version) => tables(`${rule}@${version}`, () => loadTable(rule, version)),
    connector: <T extends ConnectorType>(alias: string, type: T) =>
      connectors(`${type}:${alias}`, () => resolveConnector(env, account, alias, type)) as Promise<ResolvedOf<T>>,
  };
}
