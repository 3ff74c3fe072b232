// The HTTP side of errors: problems only the HTTP layer raises (authentication, request bodies),
// and the RFC 9457 problem+json body that app.onError builds from any Problem. The domain's typed
// errors (NotFound, Conflict, BadRequest and the base Problem) live in worker/errors.ts.
import { Problem, type FieldError } from "../errors";

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
