// JobRunner: one Durable Object per job. It holds the flow snapshot and the checkpoint in its SQLite
// storage and runs the flow in slices on its alarm. Alarms arrive at least once and are retried, so
// a slice only ever continues from the stored checkpoint, and the next alarm is derived from it.
import { DurableObject } from "cloudflare:workers";
import { database } from "../db/client";
import { loadPublishedTable } from "../decisions/store";
import { FlowDefinition } from "../flow/definition";
import { createCheckpoint, FlowEngine, type StepResult } from "../flow/engine";
import type { Env } from "../env";
import { sendTrigger } from "./dispatcher";
import { mirrorFinal, mirrorProgress, type Progress } from "./mirror";
import { RunnerStorage, type Control, type LogPage, type RunnerInit } from "./runner-storage";
import { statusForOutcome, type Outcome } from "./states";
import { deliveryStatements, enqueueDelivery, matchingWebhooks } from "../webhooks/fanout";

/** A slice ends after this much wall time, so cancels and other requests get a turn. */
export const SLICE_BUDGET_MS = 1000;
/** And after this many nodes, where the platform clock only moves on I/O. */
export const SLICE_MAX_STEPS = 20_000;
/** Job output limit (DESIGN.md §6). */
export const OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** Backoff for retrying a failed D1 mirror from the alarm. */
const MIRROR_RETRY_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];

export type ReviveResult = "armed" | "missing" | "final";

export interface RunnerSnapshot {
  phase: "running" | "final" | null;
  steps: number;
  currentNode: string | null;
  nodeStates: Record<string, string>;
  sleepingUntil: number | null;
}

export class JobRunner extends DurableObject<Env> {
  private readonly store: RunnerStorage;
  private engine: FlowEngine | null = null;
  /** The slice in progress, if any: slices never overlap, even when a test drives the alarm by hand. */
  private running: Promise<void> | null = null;
  private abort: AbortController | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunnerStorage(ctx.storage);
  }

  /** Called by the dispatcher after it claimed the job; idempotent. */
  async start(init: RunnerInit): Promise<void> {
    if (this.store.init) return;
    const definition = FlowDefinition.parse(JSON.parse(init.definition));
    this.store.init = init;
    this.store.checkpoint = createCheckpoint(definition, JSON.parse(init.input), { id: init.jobId, attempt: init.attempt });
    this.store.control = {
      phase: "running",
      executionMs: 0,
      slices: 0,
      sleepingUntil: null,
      cancelRequest: this.store.earlyCancel ?? null,
      pendingCharges: [],
      final: null,
      finalMirrored: false,
      droppedLogLines: 0,
      mirrorFailures: 0,
    };
    await this.arm(this.store.control!);
  }

  /** A cancel request reaches the runner directly: abort what is in flight and wake now. */
  async requestCancel(by: string): Promise<void> {
    const control = this.store.control;
    if (!control) {
      this.store.earlyCancel = { by, at: Date.now() };
      return;
    }
    if (control.phase === "final" || control.cancelRequest) return;
    control.cancelRequest = { by, at: Date.now() };
    this.store.saveControl();
    this.abort?.abort(new Error(`Canceled by ${by}`));
    await this.arm(control);
  }

  /** The watchdog's call for a job whose heartbeat is stale: make sure an alarm is set. */
  async revive(cancelRequestedBy: string | null): Promise<ReviveResult> {
    const control = this.store.init ? this.store.control : undefined;
    if (!control) return "missing";
    if (cancelRequestedBy && !control.cancelRequest) await this.requestCancel(cancelRequestedBy);
    if (control.phase === "final" && control.finalMirrored) return "final";
    if ((await this.ctx.storage.getAlarm()) === null && !this.running) await this.arm(control);
    return "armed";
  }

  /** Retention: deletes the job's checkpoint, logs and alarm; idempotent. Called for finished jobs only. */
  async purge(): Promise<void> {
    await this.idle();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.engine = null;
    this.store.forget();
  }

  async logs(after: number, limit: number): Promise<LogPage> {
    return this.store.logs(after, limit);
  }

  /** What the console shows of a job in flight. */
  async snapshot(): Promise<RunnerSnapshot> {
    const control = this.store.control;
    const engine = this.loadEngine();
    return {
      phase: control?.phase ?? null,
      steps: engine?.steps ?? 0,
      currentNode: engine?.currentNode ?? null,
      nodeStates: engine?.nodeStates ?? {},
      sleepingUntil: control?.sleepingUntil ?? null,
    };
  }

  /** Resolves once no slice is in progress (lets tests drive alarms without racing the real ones). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async alarm(): Promise<void> {
    await this.idle();
    this.running = this.runSlice().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  private loadEngine(): FlowEngine | null {
    if (this.engine) return this.engine;
    const init = this.store.init;
    const checkpoint = this.store.checkpoint;
    if (!init || !checkpoint) return null;
    const definition = FlowDefinition.parse(JSON.parse(init.definition));
    const runner = this;
    const decisionTables = new Map<string, Promise<unknown>>();
    this.engine = new FlowEngine(definition, checkpoint, { id: init.jobId, attempt: init.attempt }, {
      log(line) {
        if (runner.currentControl) runner.store.appendLog(line, Date.now(), runner.currentControl);
      },
      // Read at each use: every slice has its own controller, aborted by requestCancel.
      get signal() {
        return runner.abort?.signal;
      },
      fetch: (input, init) => fetch(input, init),
      // Tables are loaded once per engine: a loop calling BUSINESS_RULE per item costs one D1 read.
      loadDecisionTable(rule, version) {
        const key = `${rule}@${version}`;
        let table = decisionTables.get(key);
        if (!table) {
          table = loadPublishedTable(database(runner.env.DB), init.spaceId, rule, version);
          decisionTables.set(key, table);
          // A failed read (say D1 briefly unavailable) is not remembered.
          table.catch(() => decisionTables.delete(key));
        }
        return table;
      },
    });
    return this.engine;
  }

  /** The control record of the slice in progress (log lines count their drops into it). */
  private currentControl: Control | null = null;

  private async runSlice(): Promise<void> {
    const init = this.store.init;
    const control = this.store.control;
    if (!init || !control) return;
    if (control.phase === "final") {
      await this.publishFinal(init, control);
      return;
    }
    if (control.cancelRequest) {
      this.finish(control, { kind: "user-canceled" }, null);
      await this.publishFinal(init, control);
      return;
    }
    const engine = this.loadEngine();
    if (!engine) return;
    if (control.sleepingUntil !== null && Date.now() < control.sleepingUntil) {
      // Woken early (a watchdog re-arm or a retried alarm): go back to sleep until the WAIT ends.
      await this.arm(control);
      return;
    }

    const startedAt = Date.now();
    this.currentControl = control;
    this.abort = new AbortController();
    let result: StepResult;
    let stepsThisSlice = 0;
    try {
      for (;;) {
        result = await engine.step(Date.now());
        if (result.kind !== "ran") break;
        stepsThisSlice++;
        if (control.cancelRequest || this.abort.signal.aborted) break;
        if (stepsThisSlice >= SLICE_MAX_STEPS || Date.now() - startedAt >= SLICE_BUDGET_MS) break;
      }
    } finally {
      this.currentControl = null;
      this.abort = null;
    }
    const endedAt = Date.now();
    const sliceMs = endedAt - startedAt;
    control.slices++;
    control.executionMs += sliceMs;
    control.pendingCharges.push({ slice: control.slices, ms: sliceMs, endedAt });
    control.sleepingUntil = result.kind === "sleeping" ? result.until : null;
    this.store.checkpoint = engine.checkpoint;

    if (control.cancelRequest) {
      this.finish(control, { kind: "user-canceled" }, null);
    } else if (result.kind === "completed") {
      const size = new TextEncoder().encode(JSON.stringify(result.output ?? null)).byteLength;
      if (size > OUTPUT_LIMIT_BYTES) {
        const message = `Job output is ${size} bytes; the limit is ${OUTPUT_LIMIT_BYTES} bytes (1 MiB).`;
        this.finish(control, { kind: "execution-error", message }, null, { node: null, message });
      } else {
        this.finish(control, { kind: "completed" }, result.output);
      }
    } else if (result.kind === "failed") {
      const outcome: Outcome =
        result.code === "JOB_VALIDATION_ERROR"
          ? { kind: "validation-error", message: result.message }
          : { kind: "execution-error", message: result.message };
      this.finish(control, outcome, null, { node: result.node, message: result.message });
    }

    if (control.final) {
      await this.publishFinal(init, control);
      return;
    }
    this.store.saveControl();
    await this.publishProgress(init, control);
  }

  private finish(control: Control, outcome: Outcome, output: unknown, error: { node: string | null; message: string } | null = null) {
    control.phase = "final";
    control.sleepingUntil = null;
    control.final = { status: statusForOutcome(outcome), output, error, endedAt: Date.now() };
    this.store.saveControl();
  }

  private progress(): Progress {
    const engine = this.loadEngine();
    return { steps: engine?.steps ?? 0, currentNode: engine?.currentNode ?? null };
  }

  private async publishProgress(init: RunnerInit, control: Control) {
    const now = Date.now();
    try {
      await mirrorProgress(this.env.DB, init, control, this.progress(), now);
      control.pendingCharges = [];
      control.mirrorFailures = 0;
      this.store.saveControl();
      await this.arm(control);
    } catch (error) {
      await this.retryMirrorLater(control, error);
    }
  }

  /** Mirrors the final state to D1 and wakes the dispatcher; retried from the alarm until it lands. */
  private async publishFinal(init: RunnerInit, control: Control) {
    if (control.finalMirrored) return;
    let deliveries: string[];
    try {
      const finished = { jobId: init.jobId, spaceId: init.spaceId, ruleId: init.ruleId, state: control.final!.status.state };
      const webhookIds = await matchingWebhooks(this.env.DB, finished);
      deliveries = await mirrorFinal(
        this.env.DB,
        init,
        control,
        this.progress(),
        transitionNote(control),
        deliveryStatements(this.env.DB, finished, webhookIds, Date.now()),
      );
      control.pendingCharges = [];
      control.finalMirrored = true;
      control.mirrorFailures = 0;
      this.store.saveControl();
      await this.arm(control);
    } catch (error) {
      await this.retryMirrorLater(control, error);
      return;
    }
    // The slot this job held is free: wake the next waiting job of the account.
    await sendTrigger(this.env, { accountId: init.accountId, reason: "slot-freed", jobId: init.jobId });
    for (const deliveryId of deliveries) await enqueueDelivery(this.env, { deliveryId, series: 1 });
  }

  private async retryMirrorLater(control: Control, error: unknown) {
    control.mirrorFailures++;
    this.store.saveControl();
    console.error("JobRunner: D1 mirror failed; retrying from the alarm", { failures: control.mirrorFailures, error });
    await this.arm(control);
  }

  /** The alarm is derived from the stored state after every change (never set ad hoc). */
  private async arm(control: Control) {
    const now = Date.now();
    let wakeAt: number | null;
    if (control.phase === "final" && control.finalMirrored) wakeAt = null;
    else if (control.mirrorFailures > 0) wakeAt = now + MIRROR_RETRY_MS[Math.min(control.mirrorFailures, MIRROR_RETRY_MS.length) - 1];
    else if (control.cancelRequest || control.phase === "final") wakeAt = now;
    else wakeAt = control.sleepingUntil ?? now;
    if (wakeAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(wakeAt);
  }
}

function transitionNote(control: Control): string {
  const final = control.final!;
  switch (final.status.state) {
    case "COMPLETED":
      return `Completed in ${control.slices} slice(s), ${control.executionMs} ms of execution`;
    case "CANCELED":
      return control.cancelRequest ? `Canceled at the request of ${control.cancelRequest.by}` : final.status.message;
    default:
      return final.error?.node ? `Failed at node '${final.error.node}': ${final.error.message}` : final.status.message;
  }
}
