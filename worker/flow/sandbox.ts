// The sandbox CODE nodes run in: QuickJS compiled to WebAssembly (Workers forbid eval and compiling
// WebAssembly at runtime, so the .wasm is a module import that wrangler bundles precompiled). Each
// call gets a fresh QuickJS runtime and context: nothing a call leaves behind reaches the next one,
// whichever job of the isolate makes it. Inside there is ECMAScript and `console`, nothing else.
import releaseSync from "@jitl/quickjs-wasmfile-release-sync";
import quickJsWasm from "@jitl/quickjs-wasmfile-release-sync/wasm";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from "quickjs-emscripten-core";

export const SANDBOX_MEMORY_BYTES = 32 * 1024 * 1024;
/** QuickJS's own stack limit, so deep recursion is an error inside rather than an overflow of the host's stack (which runInSandbox survives too). */
export const SANDBOX_STACK_BYTES = 256 * 1024;
/**
 * The CPU budget: `timeoutMs × INTERRUPT_CHECKS_PER_MS` interrupt checks. Deployed, Date.now() stands
 * still while code computes (worker/jobs/clock.ts), so wall time cannot stop a loop there; QuickJS
 * calls its interrupt handler once per 10,000 branches and calls, so the budget is one of work:
 * 10,000 branches and calls (some 5,000 loop iterations) per millisecond of timeoutMs. Measured in workerd (README,
 * "CODE"), code of property reads, calls and array pushes makes about one check per millisecond;
 * an empty loop makes 20, so it is stopped after a twentieth of timeoutMs, and code whose time goes
 * into built-ins (JSON, regular expressions, building strings) makes far fewer, so it runs longer,
 * up to the platform's CPU limit per invocation. Where the clock does move (locally), timeoutMs of
 * wall time stops the call too.
 */
export const INTERRUPT_CHECKS_PER_MS = 1;
/** Console lines one call may write; the rest are counted in one closing line. */
export const CONSOLE_LINES_PER_CALL = 100;
/** Longer console lines are cut inside the sandbox, before they are copied out. */
export const CONSOLE_LINE_CHARS = 8192;

/** Errors name this file; its first line is the wrapper's, so line N of it is line N - 1 of the code. */
const CODE_FILE = "code.js";
const WRAPPER_LINES = 1;

export type ConsoleLevel = "info" | "warn" | "error";

export interface SandboxCall {
  /** The body of `(context) => value`. */
  code: string;
  /** The context as JSON text: it is parsed inside, so no host object ever enters. */
  contextJson: string;
  timeoutMs: number;
  /** Checked before the call and at every interrupt check. */
  signal?: AbortSignal;
  /** The wall clock, a second bound where it moves (locally it does; deployed it stands still). Tests freeze it. */
  now?: () => number;
  console(level: ConsoleLevel, message: string): void;
}

export interface CodeLocation {
  line: number;
  column: number;
}

export type SandboxOutcome =
  | { kind: "returned"; json: string }
  /** The code threw (or did not compile): `message` is `Name: message`. */
  | { kind: "threw"; message: string; location: CodeLocation | null }
  /** No location: where QuickJS stops a loop is not reliably where the loop is. */
  | { kind: "timed-out" }
  | { kind: "out-of-memory"; location: CodeLocation | null }
  /** The context given to the code does not fit in the sandbox's memory once parsed: no code ran. */
  | { kind: "context-too-large" }
  | { kind: "canceled" }
  /** The value returned is not JSON (a function, a symbol, a Promise, a BigInt, a cycle). */
  | { kind: "not-json"; message: string };

let loading: Promise<QuickJSWASMModule> | null = null;
/** Modules whose state is in doubt (a host error inside, a runtime that could not be freed): never used again. */
const broken = new WeakSet<QuickJSWASMModule>();

/**
 * The QuickJS module, instantiated once per isolate from the bundled WebAssembly.Module. Jobs of
 * one isolate interleave at awaits, so a module that broke while another call waited for it is
 * replaced here too.
 */
async function quickJs(): Promise<QuickJSWASMModule> {
  for (;;) {
    loading ??= newQuickJSWASMModuleFromVariant(newVariant(releaseSync, { wasmModule: quickJsWasm })).catch((error: unknown) => {
      loading = null;
      throw error;
    });
    const module = await loading;
    if (!broken.has(module)) return module;
    loading = null;
  }
}

/** The next call instantiates a new module (quickJs skips a broken one). */
function abandon(module: QuickJSWASMModule): void {
  broken.add(module);
}

/**
 * Runs once per context before any code of the author: it keeps its own references to JSON, String
 * and slice, so code that replaces them changes nothing here, and installs `console`.
 */
const HARNESS = `(function (emit, lineChars) {
  "use strict";
  const parse = JSON.parse, stringify = JSON.stringify, toText = String, NativePromise = Promise, NativeTypeError = TypeError;
  const cut = Function.prototype.call.bind(String.prototype.slice);
  const format = (value) => {
    if (typeof value === "string") return value;
    try {
      const text = stringify(value);
      return text === undefined ? toText(value) : text;
    } catch {
      return toText(value);
    }
  };
  const writer = (level) => function (...values) {
    let message = "";
    for (let index = 0; index < values.length; index++) message += (index === 0 ? "" : " ") + format(values[index]);
    emit(level, message.length > lineChars ? cut(message, 0, lineChars) + "…" : message);
  };
  globalThis.console = { log: writer("info"), info: writer("info"), warn: writer("warn"), error: writer("error"), debug: writer("info") };
  const notJson = (value) => typeof value === "function" ? "a function" : typeof value === "symbol" ? "a symbol" : value instanceof NativePromise ? "a Promise (CODE runs synchronously: there is nothing to await)" : null;
  return {
    parse,
    toJson(value) {
      if (value === undefined) return "null";
      const top = notJson(value);
      if (top) throw new NativeTypeError("the code returned " + top + ", which is not JSON");
      return stringify(value, function (key, item) {
        const kind = notJson(item);
        if (kind) throw new NativeTypeError("the value returned holds " + kind + " at '" + key + "', which is not JSON");
        return item;
      });
    },
  };
})`;

/** The code as QuickJS compiles it: the body of a function of `context`, its line 1 on the file's line 2. */
function wrapped(code: string): string {
  return `(function (context) {\n${code}\n})`;
}

/** Runs `call.code` with limits; never throws for anything the code does. */
export async function runInSandbox(call: SandboxCall): Promise<SandboxOutcome> {
  if (call.signal?.aborted) return { kind: "canceled" };
  const module = await quickJs();
  const now = call.now ?? Date.now;
  const budget = call.timeoutMs * INTERRUPT_CHECKS_PER_MS;
  const deadline = now() + call.timeoutMs;
  let checks = 0;
  let stopped: "timed-out" | "canceled" | null = null;
  let consoleLines = 0;
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(SANDBOX_MEMORY_BYTES);
  runtime.setMaxStackSize(SANDBOX_STACK_BYTES);
  runtime.setInterruptHandler(() => {
    if (stopped) return true;
    if (call.signal?.aborted) stopped = "canceled";
    else if (++checks > budget || now() > deadline) stopped = "timed-out";
    return stopped !== null;
  });
  const vm = runtime.newContext();
  let abandoned = false;
  try {
    const outcome = runWrapped(vm, call, (level, message) => {
      if (++consoleLines <= CONSOLE_LINES_PER_CALL) call.console(level, message);
    });
    if (stopped === "canceled") return { kind: "canceled" };
    if (stopped === "timed-out") return { kind: "timed-out" };
    return outcome;
  } catch (error) {
    // The host failed inside QuickJS: its JavaScript stack ran out first (deep recursion in JSON or a
    // regular expression uses more of it per QuickJS stack byte), or the WebAssembly trapped. Its
    // state is unknown now, so this module is never touched again: the next call instantiates another.
    abandoned = true;
    abandon(module);
    if (error instanceof RangeError) return { kind: "threw", message: "InternalError: stack overflow", location: null };
    throw error;
  } finally {
    if (consoleLines > CONSOLE_LINES_PER_CALL) call.console("warn", `${consoleLines - CONSOLE_LINES_PER_CALL} more console lines of this call were dropped (at most ${CONSOLE_LINES_PER_CALL} per call)`);
    if (!abandoned) release(module, vm, runtime);
  }
}

/** The first problem compiling `code` (a SyntaxError with its line), or null: nothing of the code runs. */
export async function compileProblem(code: string): Promise<{ message: string; location: CodeLocation | null } | null> {
  const module = await quickJs();
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(SANDBOX_MEMORY_BYTES);
  runtime.setMaxStackSize(SANDBOX_STACK_BYTES);
  const vm = runtime.newContext();
  try {
    const compiled = vm.evalCode(wrapped(code), CODE_FILE, { compileOnly: true });
    if (!compiled.error) {
      compiled.value.dispose();
      return null;
    }
    const problem = describeError(vm, compiled.error, code);
    compiled.error.dispose();
    return problem;
  } finally {
    release(module, vm, runtime);
  }
}

function runWrapped(vm: QuickJSContext, call: SandboxCall, emit: (level: ConsoleLevel, message: string) => void): SandboxOutcome {
  const handles: QuickJSHandle[] = [];
  const keep = (handle: QuickJSHandle) => (handles.push(handle), handle);
  try {
    const emitter = keep(
      vm.newFunction("emit", (level, message) => {
        const name = vm.getString(level);
        emit(name === "warn" || name === "error" ? name : "info", vm.getString(message));
      }),
    );
    const harness = keep(vm.unwrapResult(vm.evalCode(HARNESS, "harness.js")));
    const tools = keep(vm.unwrapResult(vm.callFunction(harness, vm.undefined, emitter, keep(vm.newNumber(CONSOLE_LINE_CHARS)))));
    const parse = keep(vm.getProp(tools, "parse"));
    const toJson = keep(vm.getProp(tools, "toJson"));
    const parsed = vm.callFunction(parse, vm.undefined, keep(vm.newString(call.contextJson)));
    if (parsed.error) {
      // Parsing JSON the host made only fails for its size.
      const problem = describeError(vm, keep(parsed.error), call.code);
      if (problem.message.startsWith("InternalError: out of memory")) return { kind: "context-too-large" };
      throw new Error(`the sandbox could not parse the context: ${problem.message}`);
    }
    const context = keep(parsed.value);

    const compiled = vm.evalCode(wrapped(call.code), CODE_FILE);
    if (compiled.error) return threw(vm, keep(compiled.error), call.code);
    const body = keep(compiled.value);
    if (vm.typeof(body) !== "function") {
      return { kind: "threw", message: "SyntaxError: the code must be the body of a function (it closes the function early)", location: null };
    }
    const result = vm.callFunction(body, vm.undefined, context);
    if (result.error) return threw(vm, keep(result.error), call.code);
    const json = vm.callFunction(toJson, vm.undefined, keep(result.value));
    if (json.error) {
      const problem = describeError(vm, keep(json.error), call.code);
      if (problem.message.startsWith("InternalError: out of memory")) return { kind: "out-of-memory", location: null };
      return { kind: "not-json", message: problem.message.replace(/^TypeError: /, "") };
    }
    keep(json.value);
    return { kind: "returned", json: vm.getString(json.value) };
  } finally {
    for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
  }
}

function threw(vm: QuickJSContext, error: QuickJSHandle, code: string): SandboxOutcome {
  const { message, location } = describeError(vm, error, code);
  if (/^InternalError: out of memory/.test(message)) return { kind: "out-of-memory", location };
  return { kind: "threw", message, location };
}

/**
 * `Name: message` and the line and column in the author's code, read as plain properties (no code
 * of the author runs here: a thrown object's getters are not called).
 */
function describeError(vm: QuickJSContext, error: QuickJSHandle, code: string): { message: string; location: CodeLocation | null } {
  if (vm.typeof(error) !== "object") return { message: `Uncaught ${String(vm.dump(error))}`, location: null };
  const read = (key: string): string | null => {
    const value = vm.getProp(error, key);
    try {
      return vm.typeof(value) === "string" ? vm.getString(value) : null;
    } finally {
      value.dispose();
    }
  };
  const name = read("name");
  const message = read("message");
  const stack = read("stack") ?? "";
  const text = name !== null && message !== null ? `${name}: ${message}` : "Uncaught exception (not an Error)";
  return { message: text, location: locationIn(stack, code) };
}

/** The first frame of the author's code in a QuickJS stack, as a line of `code` (the wrapper's line taken off). */
function locationIn(stack: string, code: string): CodeLocation | null {
  const frame = new RegExp(`${CODE_FILE.replace(".", "\\.")}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return null;
  const lines = code.split("\n").length;
  // A problem found at the wrapper's closing line (an unclosed brace) is at the end of the code.
  const line = Math.min(Math.max(Number(frame[1]) - WRAPPER_LINES, 1), lines);
  return { line, column: Number(frame[2]) };
}

/** Frees the context and runtime; a failure here leaves the module in doubt, so the next call instantiates a new one. */
function release(module: QuickJSWASMModule, vm: QuickJSContext, runtime: ReturnType<QuickJSWASMModule["newRuntime"]>): void {
  try {
    vm.dispose();
    runtime.dispose();
  } catch (error) {
    abandon(module);
    console.error("QuickJS runtime could not be freed; the sandbox module is replaced", error);
  }
}
