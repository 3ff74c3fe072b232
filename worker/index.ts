// The Worker's entry: wires the HTTP app, the queue consumer, the watchdog cron and the runner class.
import type { Env } from "./env";
import { app } from "./http/app";
import { handleTriggerBatch, type TriggerMessage } from "./jobs/dispatcher";
import { runWatchdog } from "./jobs/watchdog";
import { fireDueSchedules } from "./schedules/service";
import { handleDeliveryBatch } from "./webhooks/delivery";
import type { DeliveryMessage } from "./webhooks/fanout";

export { JobRunner } from "./jobs/runner";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue.startsWith("webhook-deliveries")) {
      await handleDeliveryBatch(batch as MessageBatch<DeliveryMessage>, env);
    } else {
      await handleTriggerBatch(batch as MessageBatch<TriggerMessage>, env);
    }
  },
  async scheduled(_controller, env, ctx) {
    // The cron pass first: a schedule due this minute fires within it (README, "Schedules").
    ctx.waitUntil(
      fireDueSchedules(env, Date.now(), (work) => ctx.waitUntil(work)).then((report) => {
        if (report.fired.length + report.refused.length > 0) console.log("cron pass", JSON.stringify(report));
      }),
    );
    ctx.waitUntil(
      runWatchdog(env).then((report) => {
        const acted = Object.values(report).some((ids) => ids.length > 0);
        if (acted) console.log("watchdog", JSON.stringify(report));
      }),
    );
  },
} satisfies ExportedHandler<Env, TriggerMessage | DeliveryMessage>;
