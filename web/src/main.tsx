// Console entry. Until the console lands (see README, Known gaps) it points at the API reference.
import { render } from "solid-js/web";

function Placeholder() {
  return (
    <main style={{ "font-family": "system-ui, sans-serif", margin: "3rem auto", "max-width": "40rem" }}>
      <h1>flowjobs</h1>
      <p>Long-running jobs that evaluate Integration Flows, on Cloudflare Workers.</p>
      <p>
        The jobs console is on its way. Meanwhile the API is documented at <a href="/api/docs">/api/docs</a>.
      </p>
    </main>
  );
}

render(() => <Placeholder />, document.getElementById("root")!);
