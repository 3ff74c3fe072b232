// FOREACH: runs its body (port `loop`) once per item of `items`, or while `while` holds, then takes
// port `done`. While it runs, its output `{ currentItem, index, length, results }` is what the body
// sees under its name; `collect` appends one value per iteration to `results`.
import { z } from "zod";
import { DONE_PORT, LOOP_PORT, type FlowNode } from "../definition";
import { fastFormOf, isTruthy } from "../expressions";
import type { FastExpression } from "../fast-expressions";
import { FlowFailure } from "../failure";
import { expression } from "./fields";
import { kindOf, parseNodeData, parsedOrNull, type NodeContext, type NodeHandler, type NodeResult, type SyncContext, type SyncForm } from "./handler";

export const ForeachData = z
  .object({
    items: expression().optional().describe("An array to loop over (or while)"),
    while: expression().optional().describe("A condition checked before each iteration (or items)"),
    maxIterations: z.number().int().nonnegative().optional(),
    collect: expression().optional().describe("Appended to results after each iteration"),
  })
  .refine((data) => (data.items === undefined) !== (data.while === undefined), {
    message: "needs exactly one of `items` or `while`",
  });
type ForeachData = z.infer<typeof ForeachData>;

/** Kept in the body frame of the checkpoint: the items (evaluated once, at the start) and the iteration. */
interface LoopProgress {
  items: unknown[] | null;
  index: number;
}

interface ForeachOutput {
  currentItem: unknown;
  index: number | null;
  length: number | null;
  results: unknown[];
}

export const foreachNode: NodeHandler = {
  dataSchema: ForeachData,
  *expressions(data: ForeachData) {
    for (const field of ["items", "while", "collect"] as const) {
      if (data[field] !== undefined) yield [field, data[field]];
    }
  },
  ports: () => [LOOP_PORT, DONE_PORT],
  async run(context) {
    const data = parseNodeData(context.node, ForeachData);
    const items = data.items === undefined ? null : await evaluateItems(context, data.items);
    return nextIteration(context, data, { items, index: 0 }, [], null);
  },

  async afterIteration(context, loop) {
    const data = parseNodeData(context.node, ForeachData);
    // The checkpoint is the engine's own state, written by `run` below; parsing the items on every
    // iteration would make a loop quadratic in its length.
    const progress = loop as LoopProgress;
    const previous = context.values[context.node.name] as ForeachOutput;
    // Appended in place: a copy per iteration would also make long loops quadratic. Expressions only
    // ever see copies of it, so nothing else holds this array.
    if (data.collect !== undefined) previous.results.push(await context.evaluate(data.collect, "collect"));
    return nextIteration(context, data, { items: progress.items, index: progress.index + 1 }, previous.results, previous);
  },

  loopPosition(node, loop) {
    const { items, index } = loop as LoopProgress;
    // A `while` loop cannot know how often it will run; over items, maxIterations may stop it sooner.
    const limit = parseNodeData(node, ForeachData).maxIterations ?? Number.POSITIVE_INFINITY;
    return { index, length: items === null ? null : Math.min(items.length, limit) };
  },

  compile: compileForeach,
};

async function evaluateItems(context: NodeContext, expression: string): Promise<unknown[]> {
  const items = await context.evaluate(expression, "items");
  if (!Array.isArray(items)) {
    // JSONata unwraps a one-item result and returns nothing for no match; `[]` after a path keeps an array.
    throw new FlowFailure(`items: expected an array to loop over, got ${kindOf(items)} (end a path with [] to always get an array, e.g. orders[amount > 5][])`);
  }
  return items;
}

async function nextIteration(
  context: NodeContext,
  data: ForeachData,
  progress: LoopProgress,
  results: unknown[],
  previous: ForeachOutput | null,
): Promise<NodeResult> {
  const holds = asksCondition(data, progress) && isTruthy(await context.evaluate(data.while!, "while"));
  return iterationOrDone(data, progress, results, previous, holds);
}

/** Whether the next step of a `while` loop evaluates its condition (only when maxIterations allows one more). */
function asksCondition(data: ForeachData, progress: LoopProgress): boolean {
  return progress.items === null && progress.index < (data.maxIterations ?? Number.POSITIVE_INFINITY);
}

/** Iterate once more or finish, given whether a `while` condition holds (false when it was not asked). */
function iterationOrDone(data: ForeachData, progress: LoopProgress, results: unknown[], previous: ForeachOutput | null, holds: boolean): NodeResult {
  const limit = data.maxIterations ?? Number.POSITIVE_INFINITY;
  const { items, index } = progress;
  if (items !== null && index < Math.min(items.length, limit)) {
    const output: ForeachOutput = { currentItem: items[index], index, length: items.length, results };
    return { kind: "iterate", output, loop: progress };
  }
  if (items === null && holds) {
    const output: ForeachOutput = { currentItem: null, index, length: null, results };
    return { kind: "iterate", output, loop: progress };
  }
  // After the loop the output keeps the last iteration's item and index, so `<name>.results` stays usable.
  const output: ForeachOutput = previous ?? { currentItem: null, index: null, length: items?.length ?? null, results };
  return { kind: "done", output, ports: [DONE_PORT] };
}

/** FOREACH's synchronous form: the same steps as run/afterIteration, when items, while and collect have fast forms. */
function compileForeach(node: FlowNode): SyncForm | null {
  const data = parsedOrNull(node, ForeachData);
  if (!data) return null;
  const forms = { items: null as FastExpression | null, while: null as FastExpression | null, collect: null as FastExpression | null };
  for (const field of ["items", "while", "collect"] as const) {
    const expression = data[field];
    if (expression === undefined) continue;
    forms[field] = fastFormOf(expression);
    if (!forms[field]) return null;
  }
  const holds = (evaluate: SyncContext["evaluate"], progress: LoopProgress) => asksCondition(data, progress) && isTruthy(evaluate(forms.while!));
  return {
    run({ evaluate }) {
      const items = forms.items ? evaluate(forms.items) : null;
      // Not an array: the async form fails the node with its message.
      if (forms.items && !Array.isArray(items)) throw new Error("not an array");
      const progress: LoopProgress = { items: items as unknown[] | null, index: 0 };
      return iterationOrDone(data, progress, [], null, holds(evaluate, progress));
    },
    afterIteration({ evaluate, values }, loop) {
      const { items, index } = loop as LoopProgress;
      const previous = values[node.name] as ForeachOutput;
      const progress: LoopProgress = { items, index: index + 1 };
      if (!forms.collect) return iterationOrDone(data, progress, previous.results, previous, holds(evaluate, progress));
      // The condition sees the appended result, as in afterIteration; should it throw, the append is undone.
      previous.results.push(evaluate(forms.collect));
      try {
        return iterationOrDone(data, progress, previous.results, previous, holds(evaluate, progress));
      } catch (signal) {
        previous.results.pop();
        throw signal;
      }
    },
  };
}
