// Usage maths for the Usage page: the free-seconds meter and the daily chart's scale.
import type { Usage } from "../api/types";

export interface MeterParts {
  /** Share of the free allowance used, 0..1. */
  freeShare: number;
  /** Free seconds still available this period. */
  freeLeft: number;
  /** Share of the bar that is time over the allowance (billed or unbilled), 0..1 of the whole bar. */
  overShare: number;
  overLimit: boolean;
}

export function meterParts(usage: Pick<Usage, "freeSeconds" | "freeUsedSeconds" | "overageSeconds" | "unbilledSeconds">): MeterParts {
  const over = usage.overageSeconds + usage.unbilledSeconds;
  const whole = Math.max(usage.freeSeconds + over, 1);
  return {
    freeShare: usage.freeSeconds > 0 ? Math.min(usage.freeUsedSeconds / usage.freeSeconds, 1) : 1,
    freeLeft: Math.max(usage.freeSeconds - usage.freeUsedSeconds, 0),
    overShare: over / whole,
    overLimit: usage.freeUsedSeconds >= usage.freeSeconds,
  };
}

/** A "nice" upper bound for a bar chart axis (1, 2, 5 × 10^n) at or above the largest value. */
export function niceMax(values: number[]): number {
  const max = Math.max(0, ...values);
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** The period's days with zeros for days without usage, so the chart has one bar per day so far. */
export function dailySeries(usage: Pick<Usage, "period" | "daily">, now = Date.now()): { day: string; usedSeconds: number }[] {
  const byDay = new Map(usage.daily.map((entry) => [entry.day.slice(0, 10), entry.usedSeconds]));
  const start = Date.parse(usage.period.start);
  const end = Math.min(Date.parse(usage.period.end), now);
  const days: { day: string; usedSeconds: number }[] = [];
  for (let time = start; time < end && days.length < 31; time += 86_400_000) {
    const day = new Date(time).toISOString().slice(0, 10);
    days.push({ day, usedSeconds: byDay.get(day) ?? 0 });
  }
  if (days.length === 0) return usage.daily.map((entry) => ({ day: entry.day.slice(0, 10), usedSeconds: entry.usedSeconds }));
  return days;
}

/** Every UTC day of the period ("2026-11-01" … "2026-11-30"): the daily chart's x axis, days to come included. */
export function periodDays(period: Usage["period"]): string[] {
  const days: string[] = [];
  const end = Date.parse(period.end);
  for (let time = Date.parse(period.start); time < end && days.length < 31; time += 86_400_000) days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

/** The plain sentence for the pay-as-you-go switch (from the seed's billing section). */
export function payAsYouGoSentence(on: boolean): string {
  return on
    ? "Pay-as-you-go is on: when the free seconds are used, jobs keep starting and running, and the time over the limit is billed."
    : "Pay-as-you-go is off: when the free seconds are used, new jobs are refused; jobs already started finish, and their time over the limit is not billed.";
}
