// Billing periods are calendar months in UTC; a slice is charged to the period (and day) it ends in.
export function periodOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function periodBounds(period: string): { start: string; end: string } {
  const [year, month] = period.split("-").map(Number);
  return {
    start: new Date(Date.UTC(year, month - 1, 1)).toISOString(),
    end: new Date(Date.UTC(year, month, 1)).toISOString(),
  };
}

export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
