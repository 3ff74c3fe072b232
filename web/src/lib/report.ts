// How a page shows what went wrong with an action: the problem of the last one, cleared when the next begins.

/** Runs each `work` handed to it, clearing `setError` first and giving it whatever the work throws. */
export function reportingTo(setError: (error: unknown) => void) {
  return async (work: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
  };
}
