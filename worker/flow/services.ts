// What the flow engine needs from its host (the JobRunner Durable Object, or a test): the job it
// runs for and the services nodes call out to.
import type { ConnectorType, ResolvedOf } from "../connectors/types";

export interface JobRef {
  id: string;
  attempt: number;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  /** Name of the node that logged, or null for the engine itself. */
  node: string | null;
  message: string;
  data?: unknown;
}

export interface EngineServices {
  /** Stores a job log line (the runner applies the per-line and per-job limits). */
  log(line: LogLine): void;
  /** Aborted when the job is canceled, so a node waiting on I/O can stop early. */
  signal?: AbortSignal;
  /** The fetch nodes that call out (REST_API) use; injectable for tests. */
  fetch?: typeof fetch;
  /**
   * The definition of a published decision table of the job's space, by rule id or alias and version
   * (BUSINESS_RULE). Rejects with a message a flow author can act on when there is none.
   */
  loadDecisionTable?(rule: string, version: number | "latest"): Promise<unknown>;
  /**
   * A connector of the job's space by alias, with its secret decrypted (DATABASE_*, REST_API with
   * `connector`). Rejects with a FlowFailure naming the alias when there is none of that type. The
   * secret must never reach a log line, a node output or an error message.
   */
  connector?<T extends ConnectorType>(alias: string, type: T): Promise<ResolvedOf<T>>;
  /**
   * The time limit of the run the engine is part of (a solve's SOLVE_TIME_LIMIT_MS): what is left of
   * it, and how a node that computes without I/O (CODE) says it stopped there rather than at its
   * own limit. A job has none: its nodes' own limits and the slice budget bound them.
   */
  timeLimit?: { leftMs(): number; reached(): void };
  /**
   * True once the slice in progress has used its budget. A node that can stop part-way (a REST_API
   * fan-out) then starts no more work, returns `partial` with what it has, and continues from there
   * in the next slice, after the checkpoint holding it is committed. A host without slices (a solve,
   * a test) has none, and such a node runs to its end in one step.
   */
  sliceSpent?(): boolean;
}
