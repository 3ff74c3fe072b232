// The error type for failures a flow author can act on (a bad expression, bad node data, a value of
// the wrong kind). Anything else a node throws is unexpected and is also logged for the operators.

export class FlowFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FlowFailure";
  }
}
