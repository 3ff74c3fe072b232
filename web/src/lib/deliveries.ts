// How the console names a webhook delivery attempt. The API numbers them by series (1 = the
// original delivery, 2 = the first redelivery, …) and attempt within the series (0 = first try, as in
// the X-Webhook-Delivery-Attempt header); "#2.1" means nothing to a reader, so they get words.

/** "First try", "Retry 2", "Redelivery 1", "Redelivery 1, retry 3". */
export function attemptLabel(series: number, attempt: number): string {
  if (series <= 1) return attempt === 0 ? "First try" : `Retry ${attempt}`;
  const redelivery = `Redelivery ${series - 1}`;
  return attempt === 0 ? redelivery : `${redelivery}, retry ${attempt}`;
}

/** Shown once above the attempts: what a retry and a redelivery are. */
export const ATTEMPTS_EXPLAINED =
  "A failed try (no answer, 408, 429 or 5xx) is retried on its own, up to 9 tries over about 68 minutes. " +
  "Redeliver starts the tries over as a redelivery, with the same webhook-id, so your receiver can tell it is the same event.";
