// Create or edit a connector: name, alias, type, the type's settings, and its secret. The secret field
// is write-only: never filled in (the API never returns it); left empty on edit, the stored one stays.
import { createSignal, Match, Show, Switch } from "solid-js";
import type { Connector } from "../api/types";

export type ConnectorType = Connector["type"];
type HttpAuth = "bearer" | "basic" | "header";

export interface ConnectorFormValue {
  name: string;
  alias: string;
  type: ConnectorType;
  config: Record<string, unknown>;
  /** Absent on edit when the field was left empty. */
  secret?: Record<string, string>;
}

const SECRET_FIELD: Record<HttpAuth, { field: string; label: string }> = {
  bearer: { field: "token", label: "Token" },
  basic: { field: "password", label: "Password" },
  header: { field: "value", label: "Header value" },
};

const text = (value: unknown) => (typeof value === "string" ? value : "");

export function ConnectorForm(props: { initial?: Connector; submitLabel: string; onSubmit: (value: ConnectorFormValue) => Promise<void>; onCancel: () => void }) {
  const initialConfig = (props.initial?.config ?? {}) as Record<string, unknown>;
  const [name, setName] = createSignal(props.initial?.name ?? "");
  const [alias, setAlias] = createSignal(props.initial?.alias ?? "");
  const [type, setType] = createSignal<ConnectorType>(props.initial?.type ?? "postgres");
  const [host, setHost] = createSignal(text(initialConfig.host));
  const [port, setPort] = createSignal(initialConfig.port === undefined ? "5432" : String(initialConfig.port));
  const [database, setDatabase] = createSignal(text(initialConfig.database));
  const [user, setUser] = createSignal(text(initialConfig.user));
  const [ssl, setSsl] = createSignal(text(initialConfig.ssl));
  // A postgres connector reaches its server directly, or through a Hyperdrive binding of the deployment.
  const [via, setVia] = createSignal<"server" | "hyperdrive">(initialConfig.hyperdrive === undefined ? "server" : "hyperdrive");
  const [hyperdrive, setHyperdrive] = createSignal(text(initialConfig.hyperdrive));
  const [auth, setAuth] = createSignal<HttpAuth>((text(initialConfig.auth) || "bearer") as HttpAuth);
  const [username, setUsername] = createSignal(text(initialConfig.username));
  const [headerName, setHeaderName] = createSignal(text(initialConfig.headerName));
  const [baseUrl, setBaseUrl] = createSignal(text(initialConfig.baseUrl));
  const [secret, setSecret] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  const editing = () => props.initial !== undefined;
  const throughHyperdrive = () => type() === "postgres" && via() === "hyperdrive";
  // A new connector, a new kind of HTTP auth, or a server instead of Hyperdrive needs its secret; otherwise the stored one may stay.
  const secretRequired = () =>
    !editing() || (type() === "http" && auth() !== initialConfig.auth) || (type() === "postgres" && initialConfig.hyperdrive !== undefined);
  const secretLabel = () => (type() === "postgres" ? "Password" : SECRET_FIELD[auth()].label);

  const config = (): Record<string, unknown> => {
    if (throughHyperdrive()) return { hyperdrive: hyperdrive().trim() };
    if (type() === "postgres") {
      return { host: host().trim(), port: Number(port()), database: database().trim(), user: user().trim(), ...(ssl() ? { ssl: ssl() } : {}) };
    }
    return {
      auth: auth(),
      ...(auth() === "basic" ? { username: username().trim() } : {}),
      ...(auth() === "header" ? { headerName: headerName().trim() } : {}),
      ...(baseUrl().trim() ? { baseUrl: baseUrl().trim() } : {}),
    };
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const field = type() === "postgres" ? "password" : SECRET_FIELD[auth()].field;
      const withSecret = secret() && !throughHyperdrive();
      await props.onSubmit({ name: name().trim(), alias: alias().trim(), type: type(), config: config(), ...(withSecret ? { secret: { [field]: secret() } } : {}) });
      setSecret("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="connector-form" onSubmit={submit}>
      <div class="form-row">
        <label class="field field-grow">
          <span>Name</span>
          <input type="text" required maxlength="200" placeholder="Orders database" value={name()} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label class="field field-grow">
          <span>Alias (what flows name)</span>
          <input type="text" required pattern="[a-z0-9][a-z0-9_\-]{0,63}" placeholder="orders-db" value={alias()} onInput={(event) => setAlias(event.currentTarget.value)} />
        </label>
      </div>
      <fieldset class="field" disabled={editing()}>
        <legend>Type</legend>
        <div class="checks">
          <label class="check">
            <input type="radio" name="connector-type" checked={type() === "postgres"} onChange={() => setType("postgres")} />
            Postgres <span class="muted small">— DATABASE_* nodes</span>
          </label>
          <label class="check">
            <input type="radio" name="connector-type" checked={type() === "http"} onChange={() => setType("http")} />
            HTTP <span class="muted small">— REST_API nodes</span>
          </label>
        </div>
      </fieldset>
      <Switch>
        <Match when={type() === "postgres"}>
          <fieldset class="field">
            <legend>Connect</legend>
            <div class="checks">
              <label class="check">
                <input type="radio" name="postgres-via" checked={via() === "server"} onChange={() => setVia("server")} />
                To a server <span class="muted small">— host, user and password</span>
              </label>
              <label class="check">
                <input type="radio" name="postgres-via" checked={via() === "hyperdrive"} onChange={() => setVia("hyperdrive")} />
                Through Hyperdrive <span class="muted small">— a binding of this deployment, granted to the account</span>
              </label>
            </div>
          </fieldset>
        </Match>
      </Switch>
      <Switch>
        <Match when={throughHyperdrive()}>
          <label class="field field-grow">
            <span>Hyperdrive binding</span>
            <input type="text" required pattern="PG_[A-Z0-9_]{1,60}" placeholder="PG_WAREHOUSE" value={hyperdrive()} onInput={(event) => setHyperdrive(event.currentTarget.value)} />
          </label>
        </Match>
        <Match when={type() === "postgres"}>
          <div class="form-row">
            <label class="field field-grow">
              <span>Host</span>
              <input type="text" required placeholder="db.example.com" value={host()} onInput={(event) => setHost(event.currentTarget.value)} />
            </label>
            <label class="field field-port">
              <span>Port</span>
              <input type="text" inputmode="numeric" required value={port()} onInput={(event) => setPort(event.currentTarget.value)} />
            </label>
          </div>
          <div class="form-row">
            <label class="field field-grow">
              <span>Database</span>
              <input type="text" required value={database()} onInput={(event) => setDatabase(event.currentTarget.value)} />
            </label>
            <label class="field field-grow">
              <span>User</span>
              <input type="text" required autocomplete="off" value={user()} onInput={(event) => setUser(event.currentTarget.value)} />
            </label>
            <label class="field">
              <span>TLS</span>
              <select value={ssl()} onChange={(event) => setSsl(event.currentTarget.value)}>
                <option value="">required (default)</option>
                <option value="require">require</option>
                <option value="verify-full">verify-full</option>
                <option value="disable">disable</option>
              </select>
            </label>
          </div>
        </Match>
        <Match when={type() === "http"}>
          <div class="form-row">
            <label class="field">
              <span>Auth</span>
              <select value={auth()} onChange={(event) => setAuth(event.currentTarget.value as HttpAuth)}>
                <option value="bearer">bearer token</option>
                <option value="basic">basic (username and password)</option>
                <option value="header">a header of its own</option>
              </select>
            </label>
            <Show when={auth() === "basic"}>
              <label class="field field-grow">
                <span>Username</span>
                <input type="text" required autocomplete="off" value={username()} onInput={(event) => setUsername(event.currentTarget.value)} />
              </label>
            </Show>
            <Show when={auth() === "header"}>
              <label class="field field-grow">
                <span>Header name</span>
                <input type="text" required placeholder="X-Api-Key" value={headerName()} onInput={(event) => setHeaderName(event.currentTarget.value)} />
              </label>
            </Show>
          </div>
          <label class="field field-grow">
            <span>Base URL (optional; Test sends a GET here)</span>
            <input type="url" placeholder="https://api.example.com/v1" value={baseUrl()} onInput={(event) => setBaseUrl(event.currentTarget.value)} />
          </label>
        </Match>
      </Switch>
      <Show when={!throughHyperdrive()}>
        <label class="field field-grow">
          <span>
            {secretLabel()} <span class="muted small">— write-only{editing() && !secretRequired() ? "; leave empty to keep the stored one" : ""}</span>
          </span>
          <input
            type="password"
            autocomplete="new-password"
            required={secretRequired()}
            placeholder={editing() && !secretRequired() ? "•••••••• (stored)" : ""}
            value={secret()}
            onInput={(event) => setSecret(event.currentTarget.value)}
          />
        </label>
      </Show>
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy()}>{props.submitLabel}</button>
        <button type="button" class="button" onClick={() => props.onCancel()}>Cancel</button>
      </div>
    </form>
  );
}
