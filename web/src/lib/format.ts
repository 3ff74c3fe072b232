// Small display helpers for times, days and durations. Every time in the console goes through
// formatTime, so a page never shows two shapes of time side by side.

/** Milliseconds the job has run: until it ended, or until `now` while it runs; null if never started. */
export function jobDurationMs(job: { claimedAt: string | null; endedAt: string | null }, now: number): number | null {
  if (!job.claimedAt) return null;
  const end = job.endedAt ? Date.parse(job.endedAt) : now;
  return Math.max(0, end - Date.parse(job.claimedAt));
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

// Formatters are built once: toLocaleString with options builds a new one per call, which a page of
// jobs (several cells per row) pays for on every render.
const secondsSmall = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const secondsLarge = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
// One shape whatever the day ("Jan 5, 14:03:07"): with the date always there, rows from yesterday
// and today read alike. The full ISO time is on hover (the Time component).
const TIME_OPTIONS: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
const timeFormat = new Intl.DateTimeFormat("en-US", TIME_OPTIONS);
// Billing periods and usage days are UTC days (worker/billing): shown as such, not shifted to local time.
const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

/** Execution seconds: "3,600 s", "12.5 s", "0.04 s" (two decimals below ten seconds). */
export function formatSeconds(seconds: number): string {
  return `${(Math.abs(seconds) < 10 ? secondsSmall : secondsLarge).format(seconds)} s`;
}

/** "Jan 5, 14:03:07" in the browser's time zone; "—" for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return timeFormat.format(new Date(iso));
}

const zonedFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * "Jan 5, 06:30:00" in an IANA time zone (a schedule's: its slots are the pattern's there, whatever
 * the browser's zone); "—" for none. formatTime's shape, with one formatter kept per zone.
 */
export function formatTimeIn(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "—";
  let format = zonedFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { ...TIME_OPTIONS, timeZone });
    zonedFormats.set(timeZone, format);
  }
  return format.format(new Date(iso));
}

/** "Jan 5, 2030" for a UTC day ("2030-01-05") or the UTC day of an ISO time. */
export function formatDay(dayOrIso: string): string {
  return dayFormat.format(new Date(dayOrIso.length === 10 ? `${dayOrIso}T00:00:00Z` : dayOrIso));
}

export function formatMoney(amount: number): string {
  return amount.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
}
