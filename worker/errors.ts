// One module, not one per concern: these are the shared vocabulary every concern throws (errors of a single concern, such as QuotaExceeded, stay beside it).
//
// Typed errors thrown by the domain (jobs, rules, billing, tenancy, keys, webhooks). They carry the
// problem data that the HTTP layer turns into RFC 9457 problem+json in its single app.onError; `type` is a
// stable problem name documented in the README's API section, so these strings are a contract.
// Imports run downward (http → domain → storage): nothing here, nor in any domain folder, imports worker/http.

export interface FieldError {
  path: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export class NotFound extends Problem {
  constructor(what: string, id: string) {
    super(404, `${what}-not-found`, `${capitalise(what)} not found`, `No ${what} '${id}' in this space.`);
  }
}

export class BadRequest extends Problem {
  constructor(type: string, title: string, detail: string, errors?: FieldError[]) {
    super(400, type, title, detail, errors);
  }
}

export class Conflict extends Problem {
  constructor(type: string, title: string, detail: string) {
    super(409, type, title, detail);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
