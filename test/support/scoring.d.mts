// Types of scoring.mjs for the TypeScript suites.
import type { Sql } from "postgres";

interface Flow {
  nodes: { id: string; type: string; name: string; data?: Record<string, unknown> }[];
  connections: { source: string; target: string; port?: string }[];
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any connection of the driver
type AnySql = Sql<any>;
export function seedCustomers(sql: AnySql, table: string, count: number): Promise<void>;
export function scoringFlow(customersTable: string, scoresTable: string, batchSize?: number): Flow;
export function scoreCounts(sql: AnySql, customersTable: string, scoresTable: string): Promise<{ rows: number; correct: number }>;
