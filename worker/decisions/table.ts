// The decision table definition (DESIGN.md §7): input columns computed from the BUSINESS_RULE input,
// rows of conditions on them, and output columns whose dotted paths build the result object.
import { z } from "zod";

/** Operators that need no `value`. */
export const UNARY_OPERATORS = ["ANY", "NULL", "!NULL"] as const;
/** Operators comparing against one scalar `value`. */
export const SCALAR_OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "CONTAINS"] as const;
/** Operators taking a list of values. */
export const LIST_OPERATORS = ["IN", "!IN"] as const;

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const Condition = z.discriminatedUnion("op", [
  z.object({ op: z.enum(UNARY_OPERATORS), value: z.unknown().optional() }),
  z.object({ op: z.enum(SCALAR_OPERATORS), value: Scalar }),
  z.object({ op: z.literal("BTW"), value: z.tuple([Scalar, Scalar], { error: "BTW needs `value: [low, high]`" }) }),
  z.object({ op: z.enum(LIST_OPERATORS), value: z.array(Scalar, { error: "IN and !IN need `value: [ ... ]`" }) }),
]);
export type Condition = z.infer<typeof Condition>;

export const OutputCell = z.union([
  z.strictObject({ value: z.unknown() }),
  z.strictObject({ expression: z.string().min(1) }),
], { error: "an output cell is `{ value }` or `{ expression }`" });
export type OutputCell = z.infer<typeof OutputCell>;

/** Path segments that would reach Object.prototype when the output object is built. */
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "prototype", "constructor"]);

export const InputColumn = z.object({ id: z.string().min(1), expression: z.string().min(1), name: z.string().optional() });
export const OutputColumn = z.object({
  id: z.string().min(1),
  path: z
    .string()
    .regex(/^[^.]+(\.[^.]+)*$/, "a name or dotted path such as `prices.base`")
    .refine((path) => path.split(".").every((segment) => !FORBIDDEN_SEGMENTS.has(segment)), "may not use __proto__, prototype or constructor"),
  name: z.string().optional(),
});

export const Row = z.object({
  id: z.string().optional(),
  description: z.string().optional(),
  /** Inactive rows stay in the table for later but never match. */
  active: z.boolean().default(true),
  /** By input column id; a column without a condition matches anything. */
  conditions: z.record(z.string(), Condition).default({}),
  /** By output column id; a column without a cell outputs null. */
  outputs: z.record(z.string(), OutputCell).default({}),
});
export type Row = z.infer<typeof Row>;

export const HIT_POLICIES = ["FIRST_MATCH", "STANDARD"] as const;

export const DecisionTable = z.object({
  hitPolicy: z.enum(HIT_POLICIES),
  inputs: z.array(InputColumn),
  outputs: z.array(OutputColumn),
  rows: z.array(Row),
});
export type DecisionTable = z.infer<typeof DecisionTable>;
