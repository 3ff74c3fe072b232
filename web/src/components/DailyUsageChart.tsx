// The Usage page's job seconds per day: uPlot bars, with the hovered day and its seconds in the
// legend, and the same values in a visually hidden table for screen readers (a canvas has no text).
import { createEffect, For, onCleanup, onMount } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Usage } from "../api/types";
import { formatDay, formatSeconds } from "../lib/format";
import { dailySeries, niceMax, periodDays } from "../lib/usage";

const HEIGHT = 180;

export function DailyUsageChart(props: { usage: Usage }) {
  let plot!: HTMLDivElement;
  const days = () => dailySeries(props.usage);

  onMount(() => {
    // The x values are day indexes into the period (one slot per UTC day, the days to come empty), so
    // nothing is shifted into the browser's time zone and a bar keeps its place as the month goes on.
    let shown = days();
    let axis = periodDays(props.usage.period);
    const accent = getComputedStyle(plot).getPropertyValue("--accent").trim() || "#2f5bd3";
    const muted = getComputedStyle(plot).getPropertyValue("--muted").trim() || "#5f6b7a";
    const line = getComputedStyle(plot).getPropertyValue("--line").trim() || "#e3e7ed";
    // Days to come are in the data without a value, so hovering one names it and shows no seconds.
    const data = (): uPlot.AlignedData => {
      const seconds = new Map(shown.map((day) => [day.day, day.usedSeconds]));
      return [axis.map((_, index) => index), axis.map((day) => seconds.get(day) ?? null)];
    };
    const chart = new uPlot(
      {
        width: plot.clientWidth,
        height: HEIGHT,
        scales: {
          x: { time: false, range: () => [-0.5, axis.length - 0.5] },
          y: { range: (_chart, _min, max) => [0, niceMax([max])] },
        },
        axes: [
          {
            stroke: muted,
            grid: { show: false },
            ticks: { show: false },
            space: 22,
            incrs: [1, 2, 5, 7, 14],
            values: (_chart, splits) => splits.map((index) => (axis[index] ? Number(axis[index].slice(8, 10)) : "")),
          },
          {
            stroke: muted,
            grid: { stroke: line },
            ticks: { show: false },
            size: 64,
            values: (_chart, splits) => splits.map((seconds) => formatSeconds(seconds)),
          },
        ],
        cursor: { y: false, drag: { x: false, y: false }, points: { show: false } },
        legend: { markers: { show: false } },
        series: [
          { label: "Day", value: (_chart, index) => (index == null || !axis[index] ? "—" : formatDay(axis[index])) },
          {
            label: "Job seconds",
            fill: accent,
            stroke: accent,
            width: 0,
            points: { show: false },
            paths: uPlot.paths.bars!({ size: [0.6, 24], radius: 0.15 }),
            value: (_chart, seconds) => (seconds == null ? "—" : formatSeconds(seconds)),
          },
        ],
      },
      data(),
      plot,
    );
    createEffect(() => {
      shown = days();
      axis = periodDays(props.usage.period);
      chart.setData(data());
    });
    const resize = new ResizeObserver(() => chart.setSize({ width: plot.clientWidth, height: HEIGHT }));
    resize.observe(plot);
    onCleanup(() => {
      resize.disconnect();
      chart.destroy();
    });
  });

  return (
    <figure class="daily-chart">
      <div ref={plot} class="daily-chart-plot" data-testid="daily-chart" aria-hidden="true" />
      <table class="sr-only">
        <caption>Job seconds per day</caption>
        <thead><tr><th scope="col">Day</th><th scope="col">Job seconds</th></tr></thead>
        <tbody>
          <For each={days()}>{(day) => <tr><th scope="row">{formatDay(day.day)}</th><td>{formatSeconds(day.usedSeconds)}</td></tr>}</For>
        </tbody>
      </table>
    </figure>
  );
}
