import { createSignal, Show } from "solid-js";
import { api } from "../api/client";
import { saveKey } from "../api/session";
import type { Me } from "../api/types";
import { ProblemMessage } from "./ProblemMessage";

/** Sign in with a space's management key; it is kept for this browser tab only. */
export function SignIn(props: { onSignedIn?: () => void }) {
  const [key, setKey] = createSignal("");
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api<Me>("/api/me", { key: key().trim() });
      saveKey(key().trim());
      props.onSignedIn?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <div class="brand brand-large"><span class="brand-mark" aria-hidden="true" />flowjobs</div>
        <h1>Sign in to the console</h1>
        <p class="muted">Paste a management key of your space. It stays in this browser tab and is forgotten when you close it.</p>
        <label class="field">
          <span>Management key</span>
          <input type="password" name="key" autocomplete="off" required placeholder="fjk_…" value={key()} onInput={(event) => setKey(event.currentTarget.value)} autofocus />
        </label>
        <Show when={error()}><ProblemMessage error={error()} /></Show>
        <button type="submit" class="button button-primary" disabled={busy() || !key().trim()}>{busy() ? "Signing in…" : "Sign in"}</button>
        <p class="muted small">Running locally? <code>npm start</code> prints a management key.</p>
      </form>
    </main>
  );
}
