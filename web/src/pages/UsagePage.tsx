import { createAsync } from "@solidjs/router";
import { For, Show } from "solid-js";
import { getUsage } from "../api/queries";
import { DailyUsageChart } from "../components/DailyUsageChart";
import { PayAsYouGoSwitch } from "../components/PayAsYouGoSwitch";
import { UsageMeter } from "../components/UsageMeter";
import { PageHeader } from "../components/PageHeader";
import { formatDay, formatMoney, formatSeconds } from "../lib/format";

export function UsagePage() {
  const usage = createAsync(() => getUsage());
  const period = () => {
    const value = usage();
    if (!value) return "";
    // The period's end is the first instant of the next month: its last day is the one before.
    const lastDay = new Date(Date.parse(value.period.end) - 1).toISOString();
    return `${formatDay(value.period.start)} – ${formatDay(lastDay)}`;
  };
  return (
    <section class="page">
      <PageHeader title="Usage">Job execution seconds of the account this period ({period()}).</PageHeader>
      <Show when={usage()} fallback={<p class="muted loading">Loading usage…</p>}>
        {(value) => (
          <>
            <div class="usage-grid">
              <section class="card">
                <UsageMeter usage={value()} />
                <dl class="stats">
                  <div><dt>Used</dt><dd data-testid="used" data-value={value().usedSeconds}>{formatSeconds(value().usedSeconds)}</dd></div>
                  <div><dt>Free used</dt><dd data-testid="free-used-stat" data-value={value().freeUsedSeconds}>{formatSeconds(value().freeUsedSeconds)}</dd></div>
                  <div><dt>Overage (billed)</dt><dd data-testid="overage" data-value={value().overageSeconds}>{formatSeconds(value().overageSeconds)}</dd></div>
                  <div><dt>Unbilled</dt><dd data-testid="unbilled" data-value={value().unbilledSeconds}>{formatSeconds(value().unbilledSeconds)}</dd></div>
                  <div><dt>Of which solves</dt><dd data-testid="solve-seconds" data-value={value().solveMs / 1000}>{formatSeconds(value().solveMs / 1000)}</dd></div>
                  <div><dt>Estimated cost</dt><dd data-testid="cost" data-value={value().estimatedCost}>{formatMoney(value().estimatedCost)}</dd></div>
                  <div><dt>Price</dt><dd>{formatMoney(value().pricePerSecond)} / s</dd></div>
                </dl>
              </section>
              <section class="card">
                <h3>Billing</h3>
                <PayAsYouGoSwitch on={value().payAsYouGo} />
              </section>
            </div>
            <section class="card">
              <h3>Per day</h3>
              <DailyUsageChart usage={value()} />
            </section>
            <section class="card">
              <h3>Per space</h3>
              <div class="table-wrap">
                <table class="simple-table">
                  <thead><tr><th>Space</th><th class="num">Used</th><th class="num">Free used</th><th class="num">Overage</th><th class="num">Unbilled</th><th class="num">Solves</th></tr></thead>
                  <tbody>
                    <For each={value().bySpace} fallback={<tr><td colSpan={6} class="muted">No job time this period yet.</td></tr>}>
                      {(space) => (
                        <tr>
                          <td>{space.name}</td>
                          <td class="num">{formatSeconds(space.usedSeconds)}</td>
                          <td class="num">{formatSeconds(space.freeUsedSeconds)}</td>
                          <td class="num">{formatSeconds(space.overageSeconds)}</td>
                          <td class="num">{formatSeconds(space.unbilledSeconds)}</td>
                          <td class="num">{formatSeconds(space.solveMs / 1000)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </section>
          </>
        )}
      </Show>
    </section>
  );
}
