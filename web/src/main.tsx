// The flowjobs console: jobs, flows, usage, schedules, webhooks, connectors and API keys of one space, signed in with its management key.
import { Route, Router } from "@solidjs/router";
import { lazy } from "solid-js";
import { render } from "solid-js/web";
import { AppShell } from "./components/AppShell";
import { JobsPage } from "./pages/JobsPage";
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

// The jobs list is the first page and ships in the main bundle; the other pages (the graph pages carry
// dagre) load on first visit, so the first render parses only what it shows.
const JobPage = lazy(() => import("./pages/JobPage").then((module) => ({ default: module.JobPage })));
const FlowsPage = lazy(() => import("./pages/FlowsPage").then((module) => ({ default: module.FlowsPage })));
const FlowPage = lazy(() => import("./pages/FlowPage").then((module) => ({ default: module.FlowPage })));
const UsagePage = lazy(() => import("./pages/UsagePage").then((module) => ({ default: module.UsagePage })));
const SchedulesPage = lazy(() => import("./pages/SchedulesPage").then((module) => ({ default: module.SchedulesPage })));
const WebhooksPage = lazy(() => import("./pages/WebhooksPage").then((module) => ({ default: module.WebhooksPage })));
const ConnectorsPage = lazy(() => import("./pages/ConnectorsPage").then((module) => ({ default: module.ConnectorsPage })));
const KeysPage = lazy(() => import("./pages/KeysPage").then((module) => ({ default: module.KeysPage })));

render(
  () => (
    <Router root={AppShell}>
      <Route path="/" component={JobsPage} />
      <Route path="/jobs/:id" component={JobPage} />
      <Route path="/flows" component={FlowsPage} />
      <Route path="/flows/:rule" component={FlowPage} />
      <Route path="/usage" component={UsagePage} />
      <Route path="/schedules" component={SchedulesPage} />
      <Route path="/webhooks" component={WebhooksPage} />
      <Route path="/connectors" component={ConnectorsPage} />
      <Route path="/keys" component={KeysPage} />
      <Route path="*" component={NotFound} />
    </Router>
  ),
  document.getElementById("root")!,
);
