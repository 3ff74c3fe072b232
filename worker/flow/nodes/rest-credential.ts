// How an http connector (DESIGN.md §11) reaches a REST_API request: its secret becomes one auth
// header, kept apart from the flow's own headers so it goes on the wire and nowhere else (not into the
// output, a log line, an error or the checkpoint), and its baseUrl prefixes a relative `url`.
import type { ResolvedOf } from "../../connectors/types";
import { FlowFailure } from "../failure";

export interface Credential {
  alias: string;
  /** Lower-case header name: `authorization`, or the connector's `headerName`. */
  header: string;
  value: string;
  baseUrl: URL | null;
  /** Texts that must not come back out (the secret, the header value), should the far end repeat them. */
  hidden: string[];
}

/** RFC 9110 token characters, what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function credentialOf(connector: ResolvedOf<"http">): Credential {
  const { alias, config, secret } = connector;
  const where = `connector '${alias}'`;
  const needed = (value: string | undefined, what: string): string => {
    if (!value) throw new FlowFailure(`${where}: its ${what} is not set`);
    return value;
  };
  let header: string;
  let value: string;
  let raw: string;
  switch (config.auth) {
    case "bearer":
      header = "authorization";
      raw = needed(secret.token, "secret token");
      value = `Bearer ${raw}`;
      break;
    case "basic": {
      raw = needed(secret.password, "secret password");
      const pair = new TextEncoder().encode(`${config.username ?? ""}:${raw}`);
      header = "authorization";
      value = `Basic ${btoa(String.fromCharCode(...pair))}`;
      break;
    }
    case "header":
      header = needed(config.headerName, "headerName").toLowerCase();
      if (!HEADER_NAME.test(header)) throw new FlowFailure(`${where}: headerName ${JSON.stringify(config.headerName)} is not a valid HTTP header name`);
      raw = needed(secret.value, "secret value");
      value = raw;
      break;
  }
  // Checked here, so the platform's own message (which may quote the value) never becomes the error.
  if (/[\0\r\n]|[^\0-\xff]/.test(value)) {
    throw new FlowFailure(`${where}: its secret cannot be sent in an HTTP header (line breaks or characters outside Latin-1)`);
  }
  let baseUrl: URL | null = null;
  if (config.baseUrl) {
    try {
      baseUrl = new URL(config.baseUrl);
    } catch (error) {
      throw new FlowFailure(`${where}: baseUrl ${JSON.stringify(config.baseUrl)} is not an absolute URL`, { cause: error });
    }
  }
  return { alias, header, value, baseUrl, hidden: [value, raw, value.replace(/^(Bearer|Basic) /, "")] };
}

/**
 * The URL a request goes to: a relative `url` after the connector's baseUrl (a prefix, so a base of
 * `https://api.example.com/v1` and `orders/7` give `…/v1/orders/7`). With a baseUrl, an absolute
 * `url` must stay on its origin, so a definition cannot send the credentials somewhere else.
 */
export function urlWithBase(url: string, credential: Credential | undefined): string {
  const base = credential?.baseUrl;
  if (!base || /^[a-z][a-z\d+.-]*:/i.test(url)) return url;
  if (url === "") return base.href;
  return `${base.href.replace(/\/+$/, "")}${/^[?#]/.test(url) ? "" : "/"}${url.replace(/^\/+/, "")}`;
}

/** Refuses a URL off the connector's baseUrl origin (its credentials are meant for that origin only). */
export function checkOrigin(url: URL, credential: Credential | undefined): void {
  if (!credential?.baseUrl || url.origin === credential.baseUrl.origin) return;
  throw new FlowFailure(
    `url: ${url.origin} is not the origin of connector '${credential.alias}' (${credential.baseUrl.origin}); its credentials are sent only there`,
  );
}

/** `text` with anything of the credential in it replaced, for what the far end sends back. */
export function hide(text: string, credential: Credential | undefined): string {
  if (!credential) return text;
  let result = text;
  for (const secret of credential.hidden) if (secret.length > 0) result = result.split(secret).join("[hidden]");
  return result;
}
