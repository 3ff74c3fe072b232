import { For, Show } from "solid-js";
import { ProblemError } from "../api/client";

/** Any error as a readable message: a problem's title and detail, its field errors, and a retry. */
export function ProblemMessage(props: { error: unknown; retry?: () => void }) {
  const problem = () =>
    props.error instanceof ProblemError
      ? props.error.problem
      : { title: "Something went wrong", detail: String((props.error as Error)?.message ?? props.error), status: 0, type: "", errors: undefined };
  return (
    <div class="problem" role="alert">
      <strong>{problem().title}</strong>
      <Show when={problem().detail}>
        <p>{problem().detail}</p>
      </Show>
      <Show when={problem().errors?.length}>
        <ul>
          <For each={problem().errors}>{(error) => <li><code>{error.path}</code> {error.message}</li>}</For>
        </ul>
      </Show>
      <Show when={props.retry}>
        <button class="button" onClick={() => props.retry!()}>Try again</button>
      </Show>
    </div>
  );
}
