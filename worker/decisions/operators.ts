// Condition operators of decision tables (DESIGN.md §7). Inputs often arrive as text (query strings,
// CSV imports), so a number written as a string compares as that number.
import type { Condition } from "./table";

/** A plain decimal number, so "", " ", "0x10" or "1e" stay text rather than becoming numbers. */
const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && NUMERIC_TEXT.test(value)) return Number(value);
  return null;
}

/** -1, 0 or 1; null when the two values have no order (different kinds, objects, null). */
function compare(left: unknown, right: unknown): number | null {
  const leftNumber = asNumber(left);
  const rightNumber = asNumber(right);
  if (leftNumber !== null && rightNumber !== null) return Math.sign(leftNumber - rightNumber);
  // Text compares as text, which orders ISO dates and times correctly.
  if (typeof left === "string" && typeof right === "string") return left < right ? -1 : left > right ? 1 : 0;
  if (typeof left === "boolean" && typeof right === "boolean") return left === right ? 0 : left ? 1 : -1;
  return null;
}

function equals(left: unknown, right: unknown): boolean {
  if (isNull(left) || isNull(right)) return isNull(left) && isNull(right);
  return compare(left, right) === 0;
}

function isNull(value: unknown): boolean {
  return value === null || value === undefined;
}

function ordered(left: unknown, right: unknown, accept: (order: number) => boolean): boolean {
  const order = compare(left, right);
  return order !== null && accept(order);
}

/** Whether the input column's `value` satisfies `condition`. */
export function matches(condition: Condition, value: unknown): boolean {
  switch (condition.op) {
    case "ANY":
      return true;
    case "NULL":
      return isNull(value);
    case "!NULL":
      return !isNull(value);
    case "=":
      return equals(value, condition.value);
    case "!=":
      return !equals(value, condition.value);
    case "<":
      return ordered(value, condition.value, (order) => order < 0);
    case "<=":
      return ordered(value, condition.value, (order) => order <= 0);
    case ">":
      return ordered(value, condition.value, (order) => order > 0);
    case ">=":
      return ordered(value, condition.value, (order) => order >= 0);
    case "BTW": {
      const [low, high] = condition.value;
      return ordered(value, low, (order) => order >= 0) && ordered(value, high, (order) => order <= 0);
    }
    case "IN":
      return condition.value.some((item) => equals(value, item));
    case "!IN":
      return !condition.value.some((item) => equals(value, item));
    case "CONTAINS":
      return contains(value, condition.value);
  }
}

/** Text containing text; for a list input, the list holding the value. */
function contains(value: unknown, part: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => equals(item, part));
  if (typeof value !== "string" || isNull(part)) return false;
  return value.includes(String(part));
}
