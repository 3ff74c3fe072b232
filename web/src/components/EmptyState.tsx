import type { JSX } from "solid-js";
import { exampleInput } from "../lib/example-input";

/** What to do next when a list is empty. */
export function EmptyState(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="empty">
      <strong>{props.title}</strong>
      {props.children}
    </div>
  );
}

/** The curl line that starts a job of a flow in this space, with an input its inputSchema accepts. */
export function StartJobHint(props: { flow?: string; inputSchema?: unknown }) {
  // Single-quoted for the shell: a quote inside the JSON closes, escapes and reopens the quoting.
  const body = () => JSON.stringify(exampleInput(props.inputSchema)).replaceAll("'", "'\\''");
  const line = () =>
    `curl -X POST ${location.origin}/job/start/${props.flow ?? "<flow alias>"} \\\n  -H "Authorization: Bearer <solver key>" \\\n  -H "Content-Type: application/json" -d '${body()}'`;
  return (
    <>
      <p>Start one with the API:</p>
      <pre class="code">{line()}</pre>
    </>
  );
}
