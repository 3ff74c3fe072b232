// A small public demo API served by the Worker itself, so the sample order-enrichment flow calls a
// real HTTP endpoint and works offline under `npm start`. Read-only, deterministic, no secrets;
// served only when ENVIRONMENT is "development" (npm start), and left out of the OpenAPI document.
import { createRoute, z } from "@hono/zod-openapi";
import { Problem } from "../../errors";
import { router } from "../context";

const CUSTOMERS: Record<string, { id: string; name: string; segment: "gold" | "silver" | "bronze"; country: string }> = {
  "c-100": { id: "c-100", name: "Ada Lovelace", segment: "gold", country: "GB" },
  "c-200": { id: "c-200", name: "Grace Hopper", segment: "silver", country: "US" },
  "c-300": { id: "c-300", name: "Alan Turing", segment: "bronze", country: "GB" },
};

const Customer = z
  .object({ id: z.string(), name: z.string(), segment: z.enum(["gold", "silver", "bronze"]), country: z.string() })
  .openapi("DemoCustomer");

export const demoApi = router();
// Deployed (or under test) it does not exist: the same 404 as any unknown route.
demoApi.use("/demo/*", async (c, next) => {
  if (c.env.ENVIRONMENT !== "development") {
    throw new Problem(404, "route-not-found", "Not found", `No route for ${c.req.method} ${c.req.path}.`);
  }
  await next();
});

// npm start prints the ids from here, so a user knows what to put in an order.
demoApi.openapi(
  createRoute({
    method: "get",
    path: "/demo/customers",
    summary: "Demo: every customer the demo API knows",
    tags: ["Demo"],
    hide: true,
    responses: { 200: { description: "The customers", content: { "application/json": { schema: z.object({ items: z.array(Customer) }) } } } },
  }),
  (c) => c.json({ items: Object.values(CUSTOMERS) }, 200),
);

demoApi.openapi(
  createRoute({
    method: "get",
    path: "/demo/customers/{id}",
    summary: "Demo: a customer record (for the sample order-enrichment flow)",
    tags: ["Demo"],
    hide: true,
    request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 200: { description: "The customer", content: { "application/json": { schema: Customer } } } },
  }),
  (c) => {
    const customer = CUSTOMERS[c.req.valid("param").id];
    if (!customer) throw new Problem(404, "customer-not-found", "Customer not found", `No demo customer '${c.req.valid("param").id}'.`);
    return c.json(customer, 200);
  },
);
