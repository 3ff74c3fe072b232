// Types of flows.mjs for the TypeScript suites.
interface Flow {
  nodes: { id: string; type: string; name: string; data?: Record<string, unknown> }[];
  connections: { source: string; target: string; port?: string }[];
}
export const countingFlow: Flow;
export const sleepyFlow: Flow;
export const alternatingFlow: Flow;
