// Small display helpers for times and durations.

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
const timeToday = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const timeOtherDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** Execution seconds: "3,600 s", "12.5 s", "0.04 s" (two decimals below ten seconds). */
export function formatSeconds(seconds: number): string {
  return `${(Math.abs(seconds) < 10 ? secondsSmall : secondsLarge).format(seconds)} s`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  const sameDay = new Date().toDateString() === date.toDateString();
  return (sameDay ? timeToday : timeOtherDay).format(date);
}

export function formatMoney(amount: number): string {
  return amount.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}
