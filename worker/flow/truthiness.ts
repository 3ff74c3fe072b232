// Truthiness as JSONata's `$boolean` defines it (used by FOREACH `while` and the expression fast path).
/** JSONata's `$boolean` rules, used where a flow asks "is this true?" (FOREACH `while`). */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0;
    case "string":
      return value.length > 0;
    case "object":
      return Object.keys(value).length > 0;
    default:
      return false;
  }
}
