import { A, createAsync, revalidate, useNavigate, type RouteSectionProps } from "@solidjs/router";
import { ErrorBoundary, Show, Suspense } from "solid-js";
import { clearKey, currentKey } from "../api/session";
import { getMe } from "../api/queries";
import { ProblemMessage } from "./ProblemMessage";
import { SignIn } from "./SignIn";

/** The console frame: left nav, account and space, sign out; the sign-in screen when signed out. */
export function AppShell(props: RouteSectionProps) {
  return (
    <Show when={currentKey()} fallback={<SignIn onSignedIn={() => revalidate()} />} keyed>
      <SignedIn {...props} />
    </Show>
  );
}

function SignedIn(props: RouteSectionProps) {
  const me = createAsync(() => getMe());
  const navigate = useNavigate();
  const signOut = () => {
    clearKey();
    navigate("/", { replace: true });
  };
  return (
    <div class="shell">
      {/* The router would take a #main link for a navigation: move the focus by hand. */}
      <a class="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      {/* The aside paints the column the page's whole length; its inner part is what stays in view. */}
      <aside class="sidebar">
        <div class="sidebar-inner">
          <div class="brand"><span class="brand-mark" aria-hidden="true" />flowjobs</div>
          <nav class="nav" aria-label="Main">
            <A href="/" end>Jobs</A>
            <A href="/flows">Flows</A>
            <A href="/usage">Usage</A>
            <A href="/schedules">Schedules</A>
            <A href="/webhooks">Webhooks</A>
            <A href="/connectors">Connectors</A>
            <A href="/keys">API keys</A>
          </nav>
          <div class="account">
            <Suspense>
              <Show when={me()}>
                {(value) => (
                  <>
                    <span class="account-name" data-testid="account-name">{value().account.name}</span>
                    <span class="muted small" data-testid="space-name">{value().space.name}</span>
                  </>
                )}
              </Show>
            </Suspense>
            <button class="button button-small" onClick={signOut}>Sign out</button>
          </div>
        </div>
      </aside>
      <main id="main" class="content" tabindex="-1">
        <ErrorBoundary fallback={(error, reset) => <ProblemMessage error={error} retry={reset} />}>
          <Suspense fallback={<p class="muted loading">Loading…</p>}>{props.children}</Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
