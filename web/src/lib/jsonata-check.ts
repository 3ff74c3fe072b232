// The expression fields' parse check as you type: the same compile the save runs on every expression
// (worker/rules/node-checks.ts), so a field shows the save's refusal before the save is tried.
import jsonata from "jsonata";

export interface JsonataProblem {
  message: string;
  /** The character position JSONata reports (where it stopped reading). */
  position: number;
  code?: string;
}

/** Why `text` does not parse as JSONata, or null when it does. Empty text is no problem here: the form leaves the field out. */
export function jsonataProblem(text: string): JsonataProblem | null {
  if (text.trim() === "") return null;
  try {
    jsonata(text);
    return null;
  } catch (error) {
    // JSONata throws plain objects { code, position, token, message }, not always Error instances.
    const { message, position, code } = (typeof error === "object" && error !== null ? error : {}) as { message?: unknown; position?: unknown; code?: unknown };
    const words = typeof message === "string" && message !== "" ? message.replace(/^Syntax error: /, "") : String(error);
    const problem: JsonataProblem = { message: words, position: typeof position === "number" ? position : 0 };
    if (typeof code === "string") problem.code = code;
    return problem;
  }
}

/** "Syntax error at 7: "bar"" — the words under the field. */
export function describeJsonataProblem(problem: JsonataProblem): string {
  return `Syntax error at ${problem.position}: ${problem.message}`;
}
