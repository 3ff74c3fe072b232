// The Worker's entry: wires the HTTP app, the queue consumer, the watchdog cron and the runner class.
import type { Env } from "./env";
import { app } from "./http/app";
import { handleTriggerBatch, type TriggerMessage } from "./jobs/dispatcher";
import { runWatchdog } from "./jobs/watchdog";

export { JobRunner } from "./jobs/runner";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleTriggerBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runWatchdog(env));
  },
} satisfies ExportedHandler<Env, TriggerMessage>;
