// Typed errors thrown by services; app.onError turns each into an RFC 9457 problem+json.
// `type` is a stable problem name documented in the README's API section.

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

export class Unauthorized extends Problem {
  constructor(detail: string) {
    super(401, "unauthorized", "Unauthorized", detail);
  }
}

export class Forbidden extends Problem {
  constructor(detail: string) {
    super(403, "forbidden", "Forbidden", detail);
  }
}

export class InvalidBody extends Problem {
  constructor(errors: FieldError[]) {
    super(422, "invalid-body", "Invalid request body", "The request body does not match the schema.", errors);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function problemBody(problem: Problem, instance?: string) {
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...(instance ? { instance } : {}),
  };
}
