import { For } from "solid-js";
import type { Usage } from "../api/types";
import { formatDay, formatSeconds } from "../lib/format";
import { dailySeries, niceMax } from "../lib/usage";

const HEIGHT = 140;
const BAR = 14;
const GAP = 6;
const AXIS = 40;

/** One bar per day of the period so far (plain SVG). */
export function DailyUsageChart(props: { usage: Usage }) {
  const days = () => dailySeries(props.usage);
  const max = () => niceMax(days().map((day) => day.usedSeconds));
  const width = () => AXIS + days().length * (BAR + GAP);
  const barHeight = (seconds: number) => (seconds / max()) * (HEIGHT - 20);
  return (
    <svg class="daily-chart" viewBox={`0 0 ${width()} ${HEIGHT + 18}`} style={{ "max-width": `${width()}px` }} role="img" aria-label="Job seconds per day">
      <text x={AXIS - 6} y={14} class="axis-label" text-anchor="end">{formatSeconds(max())}</text>
      <text x={AXIS - 6} y={HEIGHT} class="axis-label" text-anchor="end">0</text>
      <line x1={AXIS} x2={width()} y1={HEIGHT} y2={HEIGHT} class="axis" />
      <For each={days()}>
        {(day, index) => (
          <g>
            <rect
              x={AXIS + index() * (BAR + GAP) + GAP / 2}
              y={HEIGHT - barHeight(day.usedSeconds)}
              width={BAR}
              height={Math.max(barHeight(day.usedSeconds), day.usedSeconds > 0 ? 1 : 0)}
              rx="2"
              class="bar"
            >
              <title>{`${formatDay(day.day)}: ${formatSeconds(day.usedSeconds)}`}</title>
            </rect>
            <text x={AXIS + index() * (BAR + GAP) + GAP / 2 + BAR / 2} y={HEIGHT + 14} class="axis-label" text-anchor="middle">
              {Number(day.day.slice(8, 10))}
            </text>
          </g>
        )}
      </For>
    </svg>
  );
}
