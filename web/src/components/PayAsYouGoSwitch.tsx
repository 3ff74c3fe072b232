import { useAction } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { setPayAsYouGo } from "../api/queries";
import { payAsYouGoSentence } from "../lib/usage";
import { ProblemMessage } from "./ProblemMessage";

/** The account's pay-as-you-go switch, with what it changes in one sentence. */
export function PayAsYouGoSwitch(props: { on: boolean }) {
  const save = useAction(setPayAsYouGo);
  const [pending, setPending] = createSignal<boolean>();
  const [error, setError] = createSignal<unknown>();
  const value = () => pending() ?? props.on;
  // Saves run one after another and the last one wins; the switch stays enabled (a disabled control
  // would drop the keyboard focus) and shows the value being saved.
  let saving: Promise<unknown> = Promise.resolve();
  const toggle = (next: boolean) => {
    setError(undefined);
    setPending(next);
    const mine = (saving = saving.then(async () => {
      try {
        await save(next);
      } catch (caught) {
        setError(caught);
      } finally {
        if (saving === mine) setPending(undefined);
      }
    }));
  };
  return (
    <div class="payg">
      <label class="toggle">
        <input type="checkbox" role="switch" checked={value()} aria-busy={pending() !== undefined} onChange={(event) => toggle(event.currentTarget.checked)} />
        <span class="toggle-track" aria-hidden="true"><span class="toggle-thumb" /></span>
        <strong>Pay-as-you-go</strong>
      </label>
      <p class="payg-sentence" data-testid="payg-sentence">{payAsYouGoSentence(value())}</p>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
    </div>
  );
}
