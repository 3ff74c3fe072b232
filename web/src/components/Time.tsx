// A point in time as every page of the console shows it (formatTime), with the exact ISO time on hover.
import { Show } from "solid-js";
import { formatTime } from "../lib/format";

export function Time(props: { at: string | null | undefined; fallback?: string }) {
  return (
    <Show when={props.at} fallback={props.fallback ?? "—"}>
      {(at) => <time datetime={at()} title={at()}>{formatTime(at())}</time>}
    </Show>
  );
}
