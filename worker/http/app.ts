// The HTTP API: one Hono app chaining the resource sub-apps, the OpenAPI document generated from
// the same schemas that validate, the API reference, CORS for /job/*, and the single onError that
// turns every failure into RFC 9457 problem+json.
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { Problem } from "../errors";
import type { AppEnv } from "./context";
import { boundedJsonBody } from "./json-body";
import { problemBody } from "./problems";
import { adminApi } from "./routes/admin";
import { connectorsApi } from "./routes/connectors";
import { consoleJobsApi } from "./routes/console-jobs";
import { demoApi } from "./routes/demo";
import { jobsApi } from "./routes/jobs";
import { keysApi } from "./routes/keys";
import { nodeTypesApi } from "./routes/node-types";
import { rulesApi } from "./routes/rules";
import { schedulesApi } from "./routes/schedules";
import { solveApi } from "./routes/solve";
import { usageApi } from "./routes/usage";
import { webhooksApi } from "./routes/webhooks";

export const app = new OpenAPIHono<AppEnv>();

app.use("*", async (c, next) => {
  c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
  await next();
});

// Triggers come from anywhere: Bearer keys, no cookies, so an open CORS policy is safe here.
app.use(
  "/job/*",
  cors({
    origin: "*",
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-Id"],
    exposeHeaders: ["Location"],
    maxAge: 86400,
  }),
);

// The Rule Solver API is called from anywhere too (DESIGN.md §13); the caller reads its correlation id back.
app.use(
  "/rule/*",
  cors({
    origin: "*",
    allowHeaders: ["Authorization", "Content-Type", "X-Correlation-Id", "X-Strategy"],
    exposeHeaders: ["X-Correlation-Id"],
    maxAge: 86400,
  }),
);

// Ahead of the sub-apps, so it runs before their validators parse a body (and before their key checks).
app.use("*", boundedJsonBody);

app.route("/", jobsApi).route("/", solveApi).route("/", consoleJobsApi).route("/", rulesApi).route("/", usageApi).route("/", webhooksApi).route("/", connectorsApi).route("/", schedulesApi).route("/", nodeTypesApi).route("/", keysApi).route("/", adminApi).route("/", demoApi);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "A solver or management key of a space",
});
app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "The ADMIN_TOKEN secret",
});
app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "flowjobs API",
    version: "1.0.0",
    description: "Long-running jobs that evaluate Integration Flows on Cloudflare Workers.",
  },
});
// The reference UI comes from the static assets (web/vite.config.ts copies it from the npm package), not
// the middleware's default CDN: the page works offline, and no third party sees who reads the docs.
app.get(
  "/api/docs",
  Scalar({ url: "/api/openapi.json", pageTitle: "flowjobs API reference", cdn: "/api-reference/standalone.js", withDefaultFonts: false }),
);

function problemResponse(problem: Problem, requestId?: string) {
  return new Response(JSON.stringify(problemBody(problem, requestId ? `urn:request:${requestId}` : undefined)), {
    status: problem.status,
    headers: { "content-type": "application/problem+json" },
  });
}

app.notFound((c) =>
  problemResponse(new Problem(404, "route-not-found", "Not found", `No route for ${c.req.method} ${c.req.path}.`)),
);

app.onError((error, c) => {
  const requestId = c.get("requestId");
  if (error instanceof Problem) return problemResponse(error);
  if (error instanceof HTTPException) {
    // Hono's own refusals (malformed JSON body, bad Content-Type for a validator).
    const malformed = error.status === 400;
    return problemResponse(
      new Problem(
        error.status,
        malformed ? "invalid-json" : "http-error",
        malformed ? "Malformed JSON" : "Request refused",
        malformed ? "The request body is not valid JSON." : error.message,
      ),
    );
  }
  // Unknown failure: the cause goes to the log with the request id, never to the client.
  console.error("unhandled error", { requestId, method: c.req.method, path: c.req.path, error });
  return problemResponse(
    new Problem(500, "internal-error", "Internal error", `Something went wrong on our side. Request id: ${requestId}.`),
    requestId,
  );
});
