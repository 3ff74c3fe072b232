// Solving a decision flow in the request (DESIGN.md §13): the jobs' interpreter and node handlers,
// run to the end in one go under SOLVE_TIME_LIMIT_MS, gated and billed like a job slice.
import { chargeSolve, solveGate, type SolveGate } from "../billing/solve";
import { closeClients } from "../connectors/postgres";
import type { Env } from "../env";
import { BadRequest, Problem, type FieldError } from "../errors";
import type { FlowDefinition } from "../flow/definition";
import { createCheckpoint, FlowEngine, type EngineServices, type JobRef, type StepResult } from "../flow/engine";
import { FlowFailure } from "../flow/failure";
import { checkJsonSchema } from "../flow/json-schema";
import { clockFor, TickCadence } from "../jobs/clock";
import { spaceLookups } from "../jobs/lookups";
import type { Caller } from "../keys/keys";
import { rememberedTable } from "./remembered-rules";

/** The product's upper bound of a solve's time (1–8 s); SOLVE_TIME_LIMIT_MS sets another. */
export const DEFAULT_SOLVE_TIME_LIMIT_MS = 8000;

/** A decision flow ran past its time limit: its work was stopped (in-flight calls aborted, no further step). */
export class SolveTimeout extends Problem {
  constructor(readonly limitMs: number) {
    super(408, "solve-timeout", "Solve timed out", `The decision flow ran longer than its time limit of ${limitMs} ms and was stopped.`);
  }
}

/** A node of the decision flow failed (the flow's verdict, as a job's JOB_EXECUTION_ERROR): `node` says which. */
export class SolveFailed extends Problem {
  constructor(
    readonly node: string | null,
    message: string,
  ) {
    super(422, "solve-failed", "Decision flow failed", message, node === null ? undefined : [{ path: `nodes.${node}`, message }]);
  }
}

export interface SolveTarget {
  ruleId: string;
  alias: string | null;
  version: number;
  definition: FlowDefinition;
}

export function solveTimeLimitMs(env: Env): number {
  const value = Number(env.SOLVE_TIME_LIMIT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_SOLVE_TIME_LIMIT_MS;
}

/**
 * Runs `target` over `input` and answers its END output. Refused before anything runs when the quota
 * gate is closed (402/403, as /job/start) or the input does not match the flow's inputSchema
 * (400 invalid-input, one entry of `errors` per path). Otherwise the computed time is charged once,
 * whatever the end: an output, 422 solve-failed or 408 solve-timeout.
 */
export async function solveFlow(
  env: Env,
  caller: Caller,
  target: SolveTarget,
  input: Record<string, unknown>,
  options: { correlationId: string },
): Promise<{ output: unknown; executionMs: number }> {
  const { outputs, executionMs } = await solveFlowInputs(env, caller, target, [input], options);
  return { output: outputs[0], executionMs };
}

/**
 * A bulk solve: every input checked first, then each run in order, the whole request gated once and
 * charged once with the sum of their computed times (DESIGN.md §13: "charged once per request").
 */
export async function solveFlowInputs(
  env: Env,
  caller: Caller,
  target: SolveTarget,
  inputs: Record<string, unknown>[],
  options: { correlationId: string; /** The quota gate, when the caller has already read it. */ gate?: SolveGate },
): Promise<{ outputs: unknown[]; executionMs: number }> {
  const { refusal, ruleEpoch } = options.gate ?? (await solveGate(env, caller));
  if (refusal) throw refusal;
  for (const input of inputs) checkInput(target.definition, input);
  const requestId = crypto.randomUUID();
  let executionMs = 0;
  const outputs: unknown[] = [];
  try {
    for (const input of inputs) {
      const run = await runFlow(env, caller, ruleEpoch, target, input, { id: `solve:${requestId}`, attempt: 1 });
      executionMs += run.executionMs;
      if (run.ending.kind === "problem") throw run.ending.problem;
      outputs.push(run.ending.output);
    }
    return { outputs, executionMs };
  } catch (error) {
    if (!(error instanceof Problem)) console.error("solve: the decision flow crashed", { ruleId: target.ruleId, correlationId: options.correlationId, error });
    throw error;
  } finally {
    await chargeSolve(env, caller, executionMs, requestId);
  }
}

type Ending = { kind: "output"; output: unknown } | { kind: "problem"; problem: Problem };

/**
 * The engine loop of a job slice without its checkpoints: steps until the flow ends, a timer aborts
 * the signal at the limit (in-flight REST and database calls end with it, and a step waiting on one
 * is abandoned at once), and between steps the deadline is read from the runner's clock. Deployed,
 * the clock and the timer only move when the isolate does I/O, so the loop lets the event loop turn
 * on TickCadence's schedule, as a slice does: a loop that only computes still sees its deadline
 * within ~50 ms. The time is measured as a slice's: from the first step to one tick after the last.
 */
async function runFlow(env: Env, caller: Caller, ruleEpoch: number, target: SolveTarget, input: Record<string, unknown>, job: JobRef) {
  const limitMs = solveTimeLimitMs(env);
  const clock = clockFor(env.RUNNER_CLOCK);
  clock.moved();
  const startedAt = clock.now();
  const deadline = startedAt + limitMs;
  const controller = new AbortController();
  const timeout = new SolveTimeout(limitMs);
  const timer = setTimeout(() => controller.abort(timeout), limitMs);
  const stopped = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }));
  // Only ever raced against a step; the race observes it.
  stopped.catch(() => {});
  const timeLimit = { leftMs: () => deadline - clock.now(), reached: () => controller.abort(timeout) };
  const engine = new FlowEngine(target.definition, createCheckpoint(target.definition, input, job), job, solveServices(env, caller, ruleEpoch, controller.signal, timeLimit));
  const cadence = new TickCadence(clock);
  let ending: Ending;
  try {
    ending = await stepToEnd(engine, cadence, { now: () => clock.now(), deadline, timeout }, stopped, controller.signal);
  } catch (error) {
    // A step that failed because the timer aborted its I/O is the timeout, not the node's fault.
    if (!controller.signal.aborted) throw error;
    ending = { kind: "problem", problem: timeout };
  } finally {
    clearTimeout(timer);
    // Nothing of the solve outlives the request: a step abandoned by the race sees its signal aborted.
    if (!controller.signal.aborted) controller.abort(new Error("The solve has ended."));
    await closeClients(controller.signal);
  }
  await clock.tick();
  return { ending, executionMs: Math.max(0, clock.now() - startedAt) };
}

async function stepToEnd(
  engine: FlowEngine,
  cadence: TickCadence,
  limit: { now: () => number; deadline: number; timeout: SolveTimeout },
  stopped: Promise<never>,
  signal: AbortSignal,
): Promise<Ending> {
  for (;;) {
    // A node's synchronous form first (the compiled plan); the async step races the time limit.
    const now = limit.now();
    const result: StepResult = engine.stepSync(now) ?? (await Promise.race([engine.step(now), stopped]));
    if (signal.aborted) throw signal.reason;
    switch (result.kind) {
      case "completed":
        return { kind: "output", output: result.output };
      case "failed":
        if (result.code === "JOB_VALIDATION_ERROR") return { kind: "problem", problem: new BadRequest("invalid-input", "Invalid input", result.message) };
        return { kind: "problem", problem: new SolveFailed(result.node, result.message) };
      case "sleeping":
        // Refused on save in a decision flow; a definition saved before that rule cannot sleep in a request.
        return { kind: "problem", problem: new SolveFailed(engine.currentNode, `WAIT '${engine.currentNode}': a decision flow cannot wait; run the flow as an integration flow (POST /job/start) instead.`) };
      case "ran":
        break;
    }
    const tick = cadence.afterStep();
    if (tick) await tick;
    if (signal.aborted) throw signal.reason;
    // The caller aborts the signal on the way out, so nothing of an abandoned step goes on.
    if (limit.now() >= limit.deadline) return { kind: "problem", problem: limit.timeout };
  }
}

/**
 * What nodes call out to during a solve: the caller's space's tables (remembered per isolate under
 * the rule epoch the gate read, solve/remembered-rules.ts) and connectors, the request's abort
 * signal, and the solve's time limit (a CODE call gets no more than what is left of it).
 */
function solveServices(env: Env, caller: Caller, ruleEpoch: number, signal: AbortSignal, timeLimit: EngineServices["timeLimit"]): EngineServices {
  return {
    timeLimit,
    // A solve has no job to keep a log in, and its answer is its output: LOG lines are dropped.
    log() {},
    signal,
    fetch: (input, requestInit) => fetch(input, requestInit),
    // Once per solve, as per job (lookups.ts); a table from what the isolate remembers.
    ...spaceLookups(env, caller, { loadTable: (rule, version) => rememberedTable(env, caller.spaceId, rule, version, ruleEpoch) }),
  };
}

/** The inputSchema check of START, before anything runs (and is billed): 400 invalid-input naming each path. */
function checkInput(definition: FlowDefinition, input: Record<string, unknown>) {
  if (!definition.inputSchema) return;
  let problems: string[];
  try {
    problems = checkJsonSchema(definition.inputSchema, input, "input");
  } catch (error) {
    if (error instanceof FlowFailure) throw new SolveFailed(null, error.message);
    throw error;
  }
  if (problems.length === 0) return;
  const errors: FieldError[] = problems.map((problem) => {
    const colon = problem.indexOf(": ");
    return colon < 0 ? { path: "input", message: problem } : { path: problem.slice(0, colon), message: problem.slice(colon + 2) };
  });
  throw new BadRequest("invalid-input", "Invalid input", `The input does not match the decision flow's inputSchema: ${problems.slice(0, 20).join("; ")}`, errors);
}
