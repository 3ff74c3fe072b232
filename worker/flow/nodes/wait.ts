// WAIT: a durable sleep. The engine keeps the wake-up time in the checkpoint and the runner sleeps
// on its alarm, so a wait of days costs nothing and survives evictions.
import { z } from "zod";
import { FlowFailure } from "../failure";
import { expression } from "./fields";
import { kindOf, parseNodeData, type NodeHandler } from "./handler";

export const WaitData = z
  .object({
    seconds: expression().optional().describe("How long to sleep, in seconds (or until)"),
    until: expression().optional().describe("An ISO time to sleep until (or seconds)"),
  })
  .refine((data) => (data.seconds === undefined) !== (data.until === undefined), {
    message: "needs exactly one of `seconds` or `until`",
  });
type WaitData = z.infer<typeof WaitData>;

/** The largest epoch-ms a JavaScript Date can hold. */
const LATEST_TIME = 8.64e15;

export const waitNode: NodeHandler = {
  dataSchema: WaitData,
  *expressions(data: WaitData) {
    if (data.seconds !== undefined) yield ["seconds", data.seconds];
    if (data.until !== undefined) yield ["until", data.until];
  },
  async run({ node, evaluate, now }) {
    const data = parseNodeData(node, WaitData);
    const until = data.seconds !== undefined ? now + (await secondsFrom(data.seconds, evaluate)) * 1000 : await timeFrom(data.until!, evaluate);
    // A past time or a negative duration means no sleep at all; the engine finishes the node at once.
    const wakeAt = Math.max(Math.round(until), now);
    if (wakeAt > LATEST_TIME) throw new FlowFailure(`the wake-up time is beyond the year 275760, the latest time there is`);
    return { kind: "sleep", until: wakeAt, output: { sleptUntil: new Date(wakeAt).toISOString() } };
  },
};

async function secondsFrom(expression: string, evaluate: (expression: string, field: string) => Promise<unknown>) {
  const seconds = await evaluate(expression, "seconds");
  if (typeof seconds !== "number") throw new FlowFailure(`seconds: expected a number of seconds, got ${kindOf(seconds)}`);
  return seconds;
}

async function timeFrom(expression: string, evaluate: (expression: string, field: string) => Promise<unknown>) {
  const time = await evaluate(expression, "until");
  const millis = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(millis)) {
    throw new FlowFailure(`until: expected an ISO time such as "2030-01-31T12:00:00Z", got ${typeof time === "string" ? JSON.stringify(time) : kindOf(time)}`);
  }
  return millis;
}
