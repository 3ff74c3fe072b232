// JobRunner: one Durable Object per job. It holds the flow snapshot and the checkpoint in its SQLite
// storage and runs the flow in slices on its alarm. Alarms arrive at least once and are retried, so
// a slice only ever continues from the stored checkpoint, and the next alarm is derived from it.
// Nothing it meets can wedge it: state is stored in pieces under production's value limit, every
// slice attempt is counted (poison-slice rule), passing platform failures are retried, and its
// clock moves even when a slice only computes (clock.ts).
import { DurableObject } from "cloudflare:workers";
import { closeClients } from "../connectors/postgres";
import { directory, jobShard } from "../db/databases";
import { sharedDefinition } from "../flow/plan";
import { createCheckpoint, FlowEngine, NodeCrashed, type StepResult } from "../flow/engine";
import type { NodeState } from "../flow/node-states";
import type { Env } from "../env";
import { clockFor, TickCadence, type Clock } from "./clock";
import { sendTrigger } from "./dispatcher";
import { spaceLookups } from "./lookups";
import { describeFailure, failureKind } from "./failures";
import { mirrorFinal, mirrorIntervalMs, mirrorProgress, type Progress } from "./mirror";
import { storePayload } from "./payloads";
import { RunnerStorage, type Control, type LogPage, type RunnerHeader, type RunnerInit } from "./runner-storage";
import { addCharge, cancelOutcome, deadlineOf, endingOf, finishInto, poisonOutcome, timeoutOutcome, transitionNote } from "./runner-outcomes";
import { statesBefore, statusForOutcome, type Outcome } from "./states";
import { enqueueDelivery, transitionDeliveries } from "../webhooks/fanout";
import { endpointsGuard, forgetSpaceWebhooks, isEndpointsChanged, spaceWebhooks } from "../webhooks/space-webhooks";

/** A slice ends after this much execution time, so cancels and other requests get a turn. */
export const SLICE_BUDGET_MS = 1000;
/**
 * And after this many nodes: a checkpoint at least this often bounds the work a crash loses (and is
 * a backstop should the clock ever stand still). The compiled engine runs about this many in the
 * slice budget, so the budget is what usually ends a computing slice. `SLICE_MAX_STEPS` in the
 * environment lowers it (the tests run 20,000, so their loops cross many slices and resumes).
 */
export const SLICE_MAX_STEPS = 1_000_000;
/** Job output limit (DESIGN.md §6). */
export const OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** Slice attempts on one checkpoint before the job ends ERROR (the poison-slice rule). */
export const POISON_ATTEMPTS = 5;
/** Backoff before attempt 2, 3, 4, 5 of a failing slice. */
const ATTEMPT_RETRY_MS = [1000, 2000, 4000, 8000];
/** Backoff for passing platform failures and failed D1 mirrors; the last step repeats for as long as it lasts. */
const PASSING_RETRY_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];

export type ReviveResult = "armed" | "missing" | "final";

export interface RunnerSnapshot {
  phase: "running" | "final" | null;
  steps: number;
  currentNode: string | null;
  nodeStates: Record<string, NodeState>;
  /** Per node id, how many times it finished (absent: never). */
  nodeRuns: Record<string, number>;
  sleepingUntil: number | null;
  /** The runner's side of the job's timeline (epoch ms; null until reached): runner started, first slice began, final state in D1, slot handed over (the next claim's trigger sent). */
  phases: { startedAt: number | null; firstSliceAt: number | null; finalMirroredAt: number | null; handedOverAt: number | null };
}

export class JobRunner extends DurableObject<Env> {
  /** Storage with production's limits enforced (tests lower them through `store.valueLimitBytes`). */
  readonly store: RunnerStorage;
  /** Injected so tests can run the runner under production's I/O-only clock (clock.ts). */
  clock: Clock;
  /** Progress and charges reach D1 at most this often between transitions (tests shorten it). */
  mirrorIntervalMs: number;
  /** Nodes per slice at most (SLICE_MAX_STEPS, or the environment's lower SLICE_MAX_STEPS). */
  private readonly sliceMaxSteps: number;
  /** The flow's outbound HTTP (REST_API nodes): the platform's fetch; tests wrap it to model a slow network. */
  outbound: typeof fetch = (input, requestInit) => fetch(input, requestInit);
  private engine: FlowEngine | null = null;
  /** The slice in progress, if any: slices never overlap, even when a test drives the alarm by hand. */
  private running: Promise<void> | null = null;
  private abort: AbortController | null = null;
  /** Callers waiting for the job's end (GET /job/{id}?wait=): resolved once its final state is in D1. */
  private endWaiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunnerStorage(ctx.storage);
    this.clock = clockFor(env.RUNNER_CLOCK);
    this.mirrorIntervalMs = mirrorIntervalMs(env);
    const configured = Number(env.SLICE_MAX_STEPS);
    this.sliceMaxSteps = Number.isInteger(configured) && configured > 0 ? Math.min(configured, SLICE_MAX_STEPS) : SLICE_MAX_STEPS;
  }

  /**
   * Called by the dispatcher after it claimed the job; idempotent and atomic: the init and the
   * control record are stored together or not at all. Nothing is parsed here: building the first
   * checkpoint is the first slice's work, under the poison-slice rule, so an input that cannot be
   * run ends the job ERROR instead of failing this call forever.
   */
  async start(init: RunnerInit): Promise<void> {
    this.clock.moved();
    if (this.store.started) return;
    const now = this.clock.now();
    const control: Control = {
      phase: "running",
      startedAt: now,
      deadline: deadlineOf(init.definition, now),
      executionMs: 0,
      slices: 0,
      sleepingUntil: null,
      cancelRequest: this.store.earlyCancel ?? null,
      pendingCharges: [],
      final: null,
      finalMirrored: false,
      droppedLogLines: 0,
      mirrorFailures: 0,
      progress: { steps: 0, currentNode: null, loop: null },
      attempts: { count: 0, lastError: null, node: null, retryAt: null },
      passingFailures: 0,
    };
    try {
      this.store.transaction(() => {
        this.store.init = init;
        this.store.control = control;
      });
    } catch (error) {
      this.store.forget();
      throw error;
    }
    await this.arm(control);
  }

  /**
   * A cancel request reaches the runner directly: abort what is in flight and wake now. `systemReason`
   * says the system, not a user, stopped the job (JOB_SYSTEM_CANCELED, e.g. its account was disabled).
   */
  async requestCancel(by: string, systemReason?: string): Promise<void> {
    this.clock.moved();
    const control = this.store.control;
    const request = { by, at: this.clock.now(), ...(systemReason ? { systemReason } : {}) };
    if (!control) {
      this.store.earlyCancel = request;
      return;
    }
    if (control.phase === "final" || control.cancelRequest) return;
    control.cancelRequest = request;
    this.store.saveControl();
    this.abort?.abort(new Error(`Canceled by ${by}`));
    await this.arm(control);
  }

  /** The watchdog's call for a job whose heartbeat is stale: make sure an alarm is set. */
  async revive(cancelRequestedBy: string | null): Promise<ReviveResult> {
    this.clock.moved();
    const control = this.store.started ? this.store.control : undefined;
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

  /** What the console shows of a job: live from the engine when it is loaded, else from the stored checkpoint. */
  async snapshot(): Promise<RunnerSnapshot> {
    const control = this.store.control;
    let engine = this.engine;
    // A final job's checkpoint is read too (after an eviction nothing is loaded), or its graph would show nothing run.
    if (!engine && control && this.store.hasCheckpoint()) {
      try {
        engine = this.loadEngine();
      } catch {
        // The next slice meets the same failure and accounts for it; the console shows the stored progress.
        engine = null;
      }
    }
    return {
      phase: control?.phase ?? null,
      steps: engine?.steps ?? control?.progress.steps ?? 0,
      currentNode: engine?.currentNode ?? control?.progress.currentNode ?? null,
      // The runner, not the flow, may have ended the job (a cancel, a timeout, the poison rule): then
      // the nodes it was in are not running any more.
      nodeStates: (control?.final ? engine?.nodeStatesEnded(endingOf(control.final)) : engine?.nodeStates) ?? {},
      nodeRuns: engine?.nodeRuns ?? {},
      sleepingUntil: control?.sleepingUntil ?? null,
      phases: {
        startedAt: control?.startedAt ?? null,
        firstSliceAt: control?.firstSliceAt ?? null,
        finalMirroredAt: control?.finalMirroredAt ?? null,
        handedOverAt: control?.handedOverAt ?? null,
      },
    };
  }

  /**
   * Resolves true once the job's final state is in D1 (at once if it already is), or false after
   * `timeoutMs`. Called before the job started too (the object exists by its id): then it waits for
   * the start and the end. What ends a job outside its runner (canceled while waiting) is not seen
   * here: callers wait in short rounds and read the row in between.
   */
  async waitForEnd(timeoutMs: number): Promise<boolean> {
    const control = this.store.started ? this.store.control : undefined;
    if (control?.phase === "final" && control.finalMirrored) return true;
    return new Promise((resolve) => {
      const done = (ended: boolean) => {
        clearTimeout(timer);
        this.endWaiters.delete(wake);
        resolve(ended);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, Math.min(timeoutMs, 60_000)));
      this.endWaiters.add(wake);
    });
  }

  /** Resolves once no slice is in progress (lets tests drive alarms without racing the real ones). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  async alarm(): Promise<void> {
    // Queued behind the slice in progress at once (not after an await), so idle() also waits for a
    // delivered alarm that has not started yet.
    const previous = this.running;
    const slice = (async () => {
      if (previous) await previous.catch(() => {});
      this.clock.moved();
      await this.runSlice();
    })();
    this.running = slice;
    try {
      await slice;
    } finally {
      if (this.running === slice) this.running = null;
    }
  }

  /** Builds the engine from the stored checkpoint, or the first checkpoint from the init. */
  private loadEngine(): FlowEngine {
    if (this.engine) return this.engine;
    const init = this.store.init;
    if (!init) throw new Error("The runner has no job to run.");
    // Parsed once per isolate for all jobs of the version, so they share one compiled plan (plan.ts).
    const definition = sharedDefinition(init.definition);
    const job = { id: init.jobId, attempt: init.attempt };
    const checkpoint = this.store.loadCheckpoint() ?? createCheckpoint(definition, JSON.parse(init.input), job);
    const runner = this;
    const lookups = spaceLookups(this.env, init);
    this.engine = new FlowEngine(
      definition,
      checkpoint,
      job,
      {
        log(line) {
          if (runner.currentControl) runner.store.appendLog(line, runner.clock.now(), runner.currentControl);
        },
        // Read at each use: every slice has its own controller, aborted by requestCancel.
        get signal() {
          return runner.abort?.signal;
        },
        // A call's answer is I/O: deployed, the clock has moved when it comes (sliceSpent reads it).
        fetch: async (input, requestInit) => {
          try {
            return await runner.outbound(input, requestInit);
          } finally {
            runner.clock.moved();
          }
        },
        sliceSpent: () => runner.sliceStartedAt !== null && runner.clock.now() - runner.sliceStartedAt >= SLICE_BUDGET_MS,
        // The space's tables and connectors, each read once for the engine's life (lookups.ts).
        ...lookups,
      },
      undefined,
      true,
    );
    return this.engine;
  }

  /** The control record of the slice in progress (log lines count their drops into it). */
  private currentControl: Control | null = null;
  /** When the slice in progress started, by the runner's clock (null between slices). */
  private sliceStartedAt: number | null = null;

  private async runSlice(): Promise<void> {
    const init = this.store.header;
    const control = this.store.control;
    if (!init || !control) return;
    if (control.phase === "final") return this.publishFinal(init, control);
    const now = this.clock.now();
    if (control.attempts.retryAt !== null && now < control.attempts.retryAt && !control.cancelRequest) return this.arm(control);
    if (control.cancelRequest) return this.end(init, control, cancelOutcome(control.cancelRequest), null);
    if (control.deadline !== null && now >= control.deadline) return this.end(init, control, timeoutOutcome(control), control.progress.currentNode);
    if (control.sleepingUntil !== null && now < control.sleepingUntil) {
      // Woken early (a watchdog re-arm or a retried alarm): go back to sleep until the WAIT ends.
      return this.arm(control);
    }

    // The poison-slice rule. An attempt counted but never cleared and with no error recorded ended
    // with its isolate (over the CPU or memory limit, or the object was reset).
    const attempts = control.attempts;
    if (attempts.count > 0 && attempts.lastError === null) {
      attempts.lastError = "the runner stopped while running it (over the CPU or memory limit, or its object was reset)";
      attempts.node = control.progress.currentNode;
    }
    if (attempts.count >= POISON_ATTEMPTS) return this.end(init, control, poisonOutcome(attempts), attempts.node);
    attempts.count++;
    attempts.lastError = null;
    attempts.retryAt = null;
    control.firstSliceAt ??= now;
    this.store.saveControl();
    // Durable before the slice runs, so even a slice that kills the isolate is counted.
    await this.ctx.storage.sync();
    this.clock.moved();

    try {
      await this.executeSlice(control);
    } catch (error) {
      return this.sliceFailed(init, control, error);
    }
    if (control.final) return this.publishFinal(init, control);
    if (this.mirrorDue(control)) await this.publishProgress(init, control);
    else await this.arm(control);
  }

  /** Runs nodes until the budget, a WAIT, the end or a cancel, then commits the checkpoint and the control record in one transaction. */
  private async executeSlice(control: Control): Promise<void> {
    const startedAt = this.clock.now();
    const engine = this.loadEngine();
    this.currentControl = control;
    this.sliceStartedAt = startedAt;
    this.abort = new AbortController();
    const cadence = new TickCadence(this.clock);
    let result: StepResult;
    let steps = 0;
    let timedOut = false;
    try {
      let now = startedAt;
      for (;;) {
        // The node's synchronous form when it has one (no promise per step), else the async step.
        const quick = engine.stepSync(now);
        let awaited = quick === null;
        result = quick ?? (await engine.step(now));
        if (result.kind !== "ran") break;
        steps++;
        const tick = cadence.afterStep();
        if (tick) {
          await tick;
          awaited = true;
        }
        // Between two synchronous steps nothing else runs — no cancel request can arrive and the
        // deployed clock cannot move — so the checks below wait for the next await.
        if (!awaited) {
          if (steps >= this.sliceMaxSteps) break;
          continue;
        }
        if (control.cancelRequest || this.abort.signal.aborted) break;
        now = this.clock.now();
        if (control.deadline !== null && now >= control.deadline) {
          timedOut = true;
          break;
        }
        if (steps >= this.sliceMaxSteps || now - startedAt >= SLICE_BUDGET_MS) break;
      }
    } finally {
      this.currentControl = null;
      this.sliceStartedAt = null;
      // A slice's database connections end with it: none stays open between alarms.
      if (this.abort) await closeClients(this.abort.signal);
      this.abort = null;
    }
    // One more turn of the event loop, so the clock reads the slice's true end (production's clock
    // stands still while the last steps computed).
    await this.clock.tick();
    const endedAt = this.clock.now();
    const sliceMs = Math.max(0, endedAt - startedAt);

    // Built on a copy and written in one transaction: a write that fails (a value over the limit)
    // leaves both the stored and the in-memory record as they were.
    const next: Control = { ...control, pendingCharges: [...control.pendingCharges], attempts: { count: 0, lastError: null, node: null, retryAt: null } };
    next.slices++;
    next.executionMs += sliceMs;
    addCharge(next, { slice: next.slices, ms: sliceMs, endedAt });
    next.sleepingUntil = result.kind === "sleeping" ? result.until : null;
    next.progress = { steps: engine.steps, currentNode: engine.currentNode, loop: engine.outerLoop };
    next.passingFailures = 0;
    let output: unknown;
    if (next.cancelRequest) {
      finishInto(next, cancelOutcome(next.cancelRequest), null, endedAt);
    } else if (result.kind === "completed") {
      const size = new TextEncoder().encode(JSON.stringify(result.output ?? null)).byteLength;
      if (size > OUTPUT_LIMIT_BYTES) {
        const message = `Job output is ${size} bytes; the limit is ${OUTPUT_LIMIT_BYTES} bytes (1 MiB).`;
        finishInto(next, { kind: "execution-error", message }, { node: null, message }, endedAt);
      } else {
        output = result.output;
        finishInto(next, { kind: "completed" }, null, endedAt);
      }
    } else if (result.kind === "failed") {
      const outcome: Outcome =
        result.code === "JOB_VALIDATION_ERROR"
          ? { kind: "validation-error", message: result.message }
          : { kind: "execution-error", message: result.message };
      finishInto(next, outcome, { node: result.node, message: result.message }, endedAt);
    } else if (timedOut) {
      const outcome = timeoutOutcome(next);
      finishInto(next, outcome, { node: next.progress.currentNode, message: outcome.message }, endedAt);
    }
    this.store.transaction(() => {
      this.store.saveCheckpoint(engine.checkpoint);
      if (next.final?.status.state === "COMPLETED") this.store.finalOutput = output;
      this.store.writeControl(next);
    });
    Object.assign(control, next);
  }

  /** A slice threw: passing platform failures are retried without counting; anything else counts toward the poison limit. */
  private async sliceFailed(init: RunnerHeader, control: Control, error: unknown): Promise<void> {
    // What the engine held in memory may be half a slice ahead of the checkpoint: rebuild it from storage.
    this.engine = null;
    this.store.discardUnsaved();
    const attempts = control.attempts;
    const cause = error instanceof NodeCrashed ? error.cause : error;
    const node = error instanceof NodeCrashed ? error.node.name : control.progress.currentNode;
    const now = this.clock.now();
    if (failureKind(error) === "passing") {
      attempts.count = Math.max(0, attempts.count - 1);
      control.passingFailures++;
      attempts.retryAt = now + PASSING_RETRY_MS[Math.min(control.passingFailures, PASSING_RETRY_MS.length) - 1];
      console.warn("JobRunner: passing platform failure; retrying the slice from the checkpoint", { jobId: init.jobId, node, error });
      this.store.saveControl();
      return this.arm(control);
    }
    attempts.lastError = describeFailure(cause);
    attempts.node = node;
    console.error("JobRunner: slice failed", { jobId: init.jobId, node, attempt: attempts.count, error });
    if (attempts.count >= POISON_ATTEMPTS) return this.end(init, control, poisonOutcome(attempts), node);
    attempts.retryAt = now + ATTEMPT_RETRY_MS[Math.min(attempts.count, ATTEMPT_RETRY_MS.length) - 1];
    this.store.saveControl();
    await this.arm(control);
  }

  /** Ends the job outside a slice (a cancel, a timeout, the poison rule), then publishes it. */
  private async end(init: RunnerHeader, control: Control, outcome: Outcome, node: string | null) {
    const error = statusForOutcome(outcome).state === "ERROR" ? { node, message: statusForOutcome(outcome).message } : null;
    finishInto(control, outcome, error, this.clock.now());
    this.store.saveControl();
    await this.publishFinal(init, control);
  }

  private progress(control: Control): Progress {
    return { steps: control.progress.steps, currentNode: control.progress.currentNode, loop: control.progress.loop ?? null };
  }

  /**
   * The write budget: the first slice, a job going to sleep (D1 must know it sleeps, or the watchdog
   * would think it stuck) and then once per interval; transitions are written by publishFinal.
   */
  private mirrorDue(control: Control): boolean {
    const last = control.lastMirrorAt ?? null;
    return last === null || control.sleepingUntil !== null || this.clock.now() - last >= this.mirrorIntervalMs;
  }

  private async publishProgress(init: RunnerHeader, control: Control) {
    const now = this.clock.now();
    try {
      await mirrorProgress(jobShard(this.env, init.shard), init, control, this.progress(control), now);
      this.clock.moved();
      control.lastMirrorAt = now;
      control.pendingCharges = [];
      control.mirrorFailures = 0;
      this.store.saveControl();
      await this.arm(control);
    } catch (error) {
      await this.retryMirrorLater(control, error);
    }
  }

  /** Mirrors the final state to D1 and wakes the dispatcher; retried from the alarm until it lands. */
  private async publishFinal(init: RunnerHeader, control: Control) {
    if (control.finalMirrored) return;
    let deliveries: string[];
    let othersWaiting: boolean;
    try {
      const final = control.final!;
      const shard = jobShard(this.env, init.shard);
      // A large output goes to R2 (the same key on every retry) before the row that points at it.
      const output =
        final.status.state === "COMPLETED"
          ? await storePayload(this.env, init.jobId, "output", JSON.stringify(this.store.finalOutput ?? null))
          : null;
      // The space's endpoints as this isolate remembers them, the batch guarded by their epoch; when
      // they changed since, the guard refuses the batch and it is written again with them read anew.
      const write = async () => {
        const known = await spaceWebhooks(directory(this.env), shard, init.spaceId, Date.now());
        // The same fan-out statement as every other final transition's, over the job still before its end.
        const state = final.status.state;
        const scope = { jobId: init.jobId, spaceId: init.spaceId };
        const statements = [endpointsGuard(shard, init.spaceId, known.epoch), transitionDeliveries(shard, known.webhooks, state, statesBefore(state), scope, this.clock.now())];
        return mirrorFinal(shard, init, control, output, this.progress(control), transitionNote(control), statements);
      };
      try {
        ({ deliveries, othersWaiting } = await write());
      } catch (error) {
        if (!isEndpointsChanged(error)) throw error;
        forgetSpaceWebhooks(init.spaceId);
        this.clock.moved();
        ({ deliveries, othersWaiting } = await write());
      }
      this.clock.moved();
      control.pendingCharges = [];
      control.finalMirrored = true;
      control.finalMirroredAt = this.clock.now();
      // With no job of the account waiting, the slot is handed over as it is freed.
      if (!othersWaiting) control.handedOverAt = control.finalMirroredAt;
      control.mirrorFailures = 0;
      this.store.saveControl();
      await this.arm(control);
    } catch (error) {
      await this.retryMirrorLater(control, error);
      return;
    }
    for (const wake of [...this.endWaiters]) wake();
    // The slot this job held is free: wake the next waiting job of the account, if one waits (a lost
    // trigger is re-sent by the watchdog).
    if (othersWaiting) {
      await sendTrigger(this.env, { accountId: init.accountId, shard: init.shard, reason: "slot-freed", jobId: init.jobId });
      this.clock.moved();
      control.handedOverAt = this.clock.now();
      this.store.saveControl();
    }
    for (const deliveryId of deliveries) await enqueueDelivery(this.env, { deliveryId, shard: init.shard, series: 1 });
  }

  private async retryMirrorLater(control: Control, error: unknown) {
    control.mirrorFailures++;
    this.store.saveControl();
    console.error("JobRunner: D1 mirror failed; retrying from the alarm", { failures: control.mirrorFailures, error });
    await this.arm(control);
  }

  /** The alarm is derived from the stored state after every change (never set ad hoc). */
  private async arm(control: Control) {
    const now = this.clock.now();
    let wakeAt: number | null;
    if (control.phase === "final" && control.finalMirrored) wakeAt = null;
    else if (control.mirrorFailures > 0) wakeAt = now + PASSING_RETRY_MS[Math.min(control.mirrorFailures, PASSING_RETRY_MS.length) - 1];
    else if (control.cancelRequest || control.phase === "final") wakeAt = now;
    else if (control.attempts.retryAt !== null) wakeAt = control.attempts.retryAt;
    else if (control.sleepingUntil !== null) wakeAt = Math.min(control.sleepingUntil, control.deadline ?? Number.POSITIVE_INFINITY);
    else wakeAt = now;
    if (wakeAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(wakeAt);
  }
}
