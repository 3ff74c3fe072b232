// The runner's clock. Deployed, Date.now() and performance.now() only advance when the isolate does
// I/O (Spectre mitigation, "Performance and timers" in the Workers docs), so a slice of pure
// computation would measure 0 ms: no budget would end it, nothing would be billed, and no cancel
// could be seen. The runner therefore calls tick() at bounded intervals: a timer that fires is an
// event delivered by the event loop like any I/O, and the clock is set anew when it is delivered
// (the Scheduler docs: timers "do not advance during CPU execution" — they advance on the next
// event). The same turn of the event loop lets waiting RPC calls (a cancel request) in.

export interface Clock {
  /** Epoch milliseconds, as the platform reports them now. */
  now(): number;
  /** Lets the event loop turn, so the platform clock moves and queued requests run. */
  tick(): Promise<void>;
  /** Says that I/O completed or a new event began (an alarm, an RPC call): the clock may move. */
  moved(): void;
}

/** Production's clock: Date.now(), moved along by a zero-delay timer. */
export const platformClock: Clock = {
  now: () => Date.now(),
  tick: () => scheduler.wait(0),
  moved: () => {},
};

/**
 * A model of the deployed clock for tests (local workerd's Date.now() always moves): the time is
 * read once and then stands still until the runner reports I/O — a tick, an awaited storage or D1
 * call, a new event. It moves at fewer points than production's (not inside a node's own awaits),
 * so what is right under it is right deployed. (A timer-based model, refreshing on every turn of
 * the event loop, kept the object from ever being idle between alarms, so it could not be evicted.)
 */
export class IoOnlyClock implements Clock {
  private frozen: number | null = null;

  now(): number {
    this.frozen ??= Date.now();
    return this.frozen;
  }

  async tick(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.frozen = null;
  }

  moved(): void {
    this.frozen = null;
  }
}

/** The clock a runner uses: production's, or the I/O-only model when RUNNER_CLOCK says "io-only". */
export function clockFor(setting: string | undefined): Clock {
  return setting === "io-only" ? new IoOnlyClock() : platformClock;
}

/**
 * Decides when a busy slice calls tick(): every `every` steps, adapted so ticks land about
 * TICK_TARGET_MS apart whatever a step costs (a tick costs a turn of the event loop, so ticking on
 * every step would halve a fast loop's throughput).
 */
export class TickCadence {
  static readonly TICK_TARGET_MS = 50;
  private every = 16;
  private sinceTick = 0;
  private lastTickAt: number;

  constructor(private readonly clock: Clock) {
    this.lastTickAt = clock.now();
  }

  /** Call after each step: a tick to await when one is due, else nothing (no promise on the hot path). */
  afterStep(): Promise<void> | undefined {
    if (++this.sinceTick < this.every) return undefined;
    return this.tick();
  }

  private async tick(): Promise<void> {
    await this.clock.tick();
    const now = this.clock.now();
    const elapsed = now - this.lastTickAt;
    // Far under the target, steps are evidently cheap: grow faster, so a short fast job does not spend
    // its time in a dozen ticks on the way up (each tick is a turn of the event loop).
    if (elapsed < TickCadence.TICK_TARGET_MS / 8) this.every = Math.min(this.every * 8, 65_536);
    else if (elapsed < TickCadence.TICK_TARGET_MS / 2) this.every = Math.min(this.every * 2, 65_536);
    else if (elapsed > TickCadence.TICK_TARGET_MS * 2) this.every = Math.max(1, Math.floor(this.every / 2));
    this.sinceTick = 0;
    this.lastTickAt = now;
  }
}
