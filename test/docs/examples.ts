// Reads the examples out of the format documentation (docs/*.md), so a test can publish and run
// each one; the markers are those the documents describe in their introductions.

export type ExampleKind = "flow" | "decision-table" | "flow-invalid" | "decision-table-invalid";

export interface ExampleCase {
  input: unknown;
  /** What the job completes with… */
  output?: unknown;
  /** …or how it ends ERROR: `{ code, node, message }`. */
  error?: unknown;
}

export interface Example {
  kind: ExampleKind;
  name: string;
  /** The line of the definition block, for the test's title. */
  line: number;
  definition: unknown;
  cases: ExampleCase[];
  /** The invalid kinds only: the `errors[]` of the 422 the save answers. */
  errors?: unknown;
}

const EXAMPLE_KINDS = new Set<string>(["flow", "decision-table", "flow-invalid", "decision-table-invalid"]);
const CASE_KINDS = new Set<string>(["input", "output", "error", "errors"]);
const FENCE = /^```json(?:\s+(\S+))?(.*)$/;

/**
 * An example is a fenced block ```json flow name="…"``` (or `decision-table`), followed by its cases:
 * ```json input``` then ```json output``` or ```json error```; or a definition the save refuses
 * (`flow-invalid`, `decision-table-invalid`) followed by ```json errors```. Plain ```json``` blocks
 * are fragments and are left alone; any other word after `json` is a typo that would hide an example, so it throws.
 */
export function extractExamples(markdown: string, file: string): Example[] {
  const examples: Example[] = [];
  const lines = markdown.split("\n");
  let pendingInput: { value: unknown } | null = null;
  for (let index = 0; index < lines.length; index++) {
    const fence = FENCE.exec(lines[index]);
    if (!fence) continue;
    const start = index + 1;
    const body: string[] = [];
    for (index++; index < lines.length && lines[index] !== "```"; index++) body.push(lines[index]);
    const kind = fence[1];
    const where = `${file}:${start}`;
    if (kind === undefined) continue;
    if (!EXAMPLE_KINDS.has(kind) && !CASE_KINDS.has(kind)) throw new Error(`${where}: \`json ${kind}\` is not a kind of example block`);
    let value: unknown;
    try {
      value = JSON.parse(body.join("\n"));
    } catch (error) {
      throw new Error(`${where}: the \`${kind}\` block is not JSON: ${String(error)}`);
    }
    if (EXAMPLE_KINDS.has(kind)) {
      if (pendingInput) throw new Error(`${where}: the input before this block has no output or error`);
      const name = /\bname="([^"]+)"/.exec(fence[2])?.[1];
      if (!name) throw new Error(`${where}: a \`${kind}\` block needs name="…"`);
      examples.push({ kind: kind as ExampleKind, name, line: start, definition: value, cases: [] });
      continue;
    }
    const example = examples.at(-1);
    if (!example) throw new Error(`${where}: an \`${kind}\` block before any example`);
    if (kind === "input") {
      if (pendingInput) throw new Error(`${where}: two inputs in a row`);
      pendingInput = { value };
    } else if (kind === "errors") {
      if (!isInvalidKind(example.kind)) throw new Error(`${where}: \`errors\` belongs to a flow-invalid or decision-table-invalid example`);
      example.errors = value;
    } else {
      if (isInvalidKind(example.kind)) throw new Error(`${where}: a definition the save refuses has errors, not an ${kind}`);
      // An output without an input before it is the output for the empty input `{}`.
      example.cases.push({ input: pendingInput ? pendingInput.value : {}, [kind]: value });
      pendingInput = null;
    }
  }
  if (pendingInput) throw new Error(`${file}: the last input has no output or error`);
  for (const example of examples) {
    const where = `${file}:${example.line} (${example.name})`;
    if (example.kind === "flow" && example.cases.length === 0) throw new Error(`${where}: a flow example needs an output or an error`);
    if (isInvalidKind(example.kind) && example.errors === undefined) throw new Error(`${where}: a refused definition needs its errors`);
  }
  const names = new Set<string>();
  for (const example of examples) {
    if (names.has(example.name)) throw new Error(`${file}: two examples are named '${example.name}'`);
    names.add(example.name);
  }
  return examples;
}

export function isInvalidKind(kind: ExampleKind): kind is "flow-invalid" | "decision-table-invalid" {
  return kind === "flow-invalid" || kind === "decision-table-invalid";
}
