// Connectors (DESIGN.md §11): credentials a space's flows use without writing them into a
// definition. These are the shapes the rest of the Worker sees; the secret part is decrypted only
// inside the runner, for the node that uses it, and never logged or stored in a job.

export type ConnectorType = "postgres" | "http";

/** A server to connect to directly (host, database, user; a password in the secret), or a Hyperdrive binding's name alone. */
export interface PostgresConfig {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  ssl?: "disable" | "require" | "verify-full";
  hyperdrive?: string;
}

export interface HttpConfig {
  auth: "bearer" | "basic" | "header";
  username?: string;
  headerName?: string;
  baseUrl?: string;
}

/** A connector with its secret decrypted: what a node gets from `EngineServices.connector`. */
export type ResolvedConnector =
  | {
      id: string;
      alias: string;
      type: "postgres";
      config: PostgresConfig;
      secret: { password?: string };
      /** The binding named by `config.hyperdrive`, granted to the job's account: the way in instead of host and password. */
      hyperdrive?: Hyperdrive;
    }
  | { id: string; alias: string; type: "http"; config: HttpConfig; secret: { token?: string; password?: string; value?: string } };

/** The connector of type `T` among the resolved ones. */
export type ResolvedOf<T extends ConnectorType> = Extract<ResolvedConnector, { type: T }>;
