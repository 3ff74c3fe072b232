// The ports the designer draws on a node: the out-ports the save accepts connections from (each node
// type's `ports` in worker/flow/nodes/*, test/flow/node-ports.test.ts keeps the two equal), and
// whether anything may lead into it.

const DEFAULT_PORT = "default";

/** The out-ports of a node of `type` with `data`, in drawing order. */
export function portsOf(type: string, data: unknown): string[] {
  switch (type) {
    // END completes the job: nothing after it would ever run.
    case "END":
      return [];
    case "FOREACH":
      return ["loop", "done"];
    // `default` without a loop connection ({ rows, count }); `loop` and `done` to go row by row.
    case "DATABASE_QUERY":
      return [DEFAULT_PORT, "loop", "done"];
    case "SWITCH":
      return [...new Set([...casePorts(data), DEFAULT_PORT])];
    default:
      return [DEFAULT_PORT];
  }
}

/** Whether connections may lead into a node of `type`: nothing leads into START. */
export function hasInput(type: string): boolean {
  return type !== "START";
}

/** Each SWITCH case's port, in case order; a case still being written (no port yet) has none. */
function casePorts(data: unknown): string[] {
  const cases = isObject(data) && Array.isArray(data.cases) ? data.cases : [];
  return cases.flatMap((switchCase: unknown) => (isObject(switchCase) && typeof switchCase.port === "string" && switchCase.port !== "" ? [switchCase.port] : []));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
