// The flowjobs console: jobs, flows, usage and webhooks of one space, signed in with its management key.
import { Route, Router } from "@solidjs/router";
import { render } from "solid-js/web";
import { AppShell } from "./components/AppShell";
import { FlowPage } from "./pages/FlowPage";
import { FlowsPage } from "./pages/FlowsPage";
import { JobPage } from "./pages/JobPage";
import { JobsPage } from "./pages/JobsPage";
import { UsagePage } from "./pages/UsagePage";
import { WebhooksPage } from "./pages/WebhooksPage";
import "./styles.css";
import "./styles-detail.css";

function NotFound() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p><a href="/">Back to the jobs</a></p>
    </section>
  );
}

render(
  () => (
    <Router root={AppShell}>
      <Route path="/" component={JobsPage} />
      <Route path="/jobs/:id" component={JobPage} />
      <Route path="/flows" component={FlowsPage} />
      <Route path="/flows/:rule" component={FlowPage} />
      <Route path="/usage" component={UsagePage} />
      <Route path="/webhooks" component={WebhooksPage} />
      <Route path="*" component={NotFound} />
    </Router>
  ),
  document.getElementById("root")!,
);
