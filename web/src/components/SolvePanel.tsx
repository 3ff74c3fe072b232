// The Solve panel of decision tables and decision flows: an input, Solve, and the answer of
// POST /rule/solve/{rule}/{version} (DESIGN.md §13) with how long the request took. A table may
// override its hit policy with a strategy (X-Strategy). Nothing is started: the caller waits.
import { createMemo, createSignal, Show } from "solid-js";
import { api } from "../api/client";
import { parseBenchInput } from "../designer/TestBench";
import { exampleInput } from "../lib/example-input";
import { JsonView } from "./JsonView";
import { ProblemMessage } from "./ProblemMessage";

const STRATEGIES = ["", "STANDARD", "FIRST_MATCH", "ARRAY"] as const;

export function SolvePanel(props: {
  /** The rule's id or alias and the version to solve (a number, or "latest"). */
  rule: string;
  version: number | "latest";
  kind: "decision-table" | "decision-flow";
  inputSchema?: Record<string, unknown>;
}) {
  const [input, setInput] = createSignal(JSON.stringify(exampleInput(props.inputSchema), null, 2));
  const [strategy, setStrategy] = createSignal<(typeof STRATEGIES)[number]>("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [answer, setAnswer] = createSignal<{ result: unknown; ms: number } | null>(null);
  // A JSON object solves once; an array of objects is a bulk solve.
  const parsed = createMemo(() => {
    const text = input().trim();
    if (text.startsWith("[")) {
      try {
        const value: unknown = JSON.parse(text);
        if (Array.isArray(value) && value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))) return { data: value };
        return { problem: "A bulk input is an array of JSON objects." };
      } catch (caught) {
        return { problem: `Not JSON: ${(caught as Error).message}` };
      }
    }
    const single = parseBenchInput(text);
    return "problem" in single ? single : { data: single.input };
  });

  const solve = async () => {
    const value = parsed();
    if ("problem" in value) return;
    setBusy(true);
    setError(undefined);
    const started = performance.now();
    try {
      const result = await api<unknown>(`/rule/solve/${encodeURIComponent(props.rule)}/${props.version}`, {
        method: "POST",
        body: { data: value.data },
        headers: strategy() ? { "x-strategy": strategy() } : {},
      });
      setAnswer({ result, ms: Math.round(performance.now() - started) });
    } catch (caught) {
      setAnswer(null);
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card solve-panel" aria-label="Solve">
      <h3>Solve</h3>
      <p class="muted small">Evaluated in the request (POST /rule/solve): the answer comes back at once; an array of objects solves each in turn.</p>
      <label class="field">
        <span>Data (JSON)</span>
        <textarea class="mono bench-input" rows={5} spellcheck={false} aria-invalid={"problem" in parsed()} value={input()} onInput={(event) => setInput(event.currentTarget.value)} />
      </label>
      <Show when={"problem" in parsed() && (parsed() as { problem: string }).problem}>{(problem) => <p class="field-error" role="alert">{problem()}</p>}</Show>
      <Show when={props.kind === "decision-table"}>
        <div class="field">
          <label for="solve-strategy">Strategy</label>
          <select id="solve-strategy" value={strategy()} onChange={(event) => setStrategy(event.currentTarget.value as (typeof STRATEGIES)[number])}>
            <option value="" selected={strategy() === ""}>The table's hit policy</option>
            <option value="STANDARD" selected={strategy() === "STANDARD"}>STANDARD (every matching row)</option>
            <option value="FIRST_MATCH" selected={strategy() === "FIRST_MATCH"}>FIRST_MATCH</option>
            <option value="ARRAY" selected={strategy() === "ARRAY"}>ARRAY</option>
          </select>
        </div>
      </Show>
      <button class="button button-primary" disabled={busy() || "problem" in parsed()} onClick={solve}>
        {busy() ? "Solving…" : "Solve"}
      </button>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={answer()}>
        {(done) => (
          <div data-testid="solve-answer">
            <p>
              Answered in <strong data-testid="solve-ms">{done().ms} ms</strong>
            </p>
            <JsonView title="Result" value={done().result} open />
          </div>
        )}
      </Show>
    </section>
  );
}
