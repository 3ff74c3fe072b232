import { createEffect, createSignal, For, on, Show } from "solid-js";
import type { LogLine } from "../api/types";
import { Time } from "./Time";

/** The job's log lines; in follow mode the view sticks to the newest line while lines arrive. */
export function LogStream(props: { lines: LogLine[]; live: boolean; dropped?: number }) {
  const [follow, setFollow] = createSignal(true);
  let box: HTMLDivElement | undefined;
  createEffect(
    on(
      () => props.lines.length,
      () => {
        if (follow() && box) box.scrollTop = box.scrollHeight;
      },
    ),
  );
  const onScroll = () => {
    if (!box) return;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    if (atBottom !== follow()) setFollow(atBottom);
  };
  return (
    <div class="logs">
      <div class="logs-bar">
        <span class="muted">
          {props.lines.length} line{props.lines.length === 1 ? "" : "s"}
          <Show when={props.live}> · streaming</Show>
        </span>
        <label class="switch-label">
          <input
            type="checkbox"
            checked={follow()}
            onChange={(event) => {
              setFollow(event.currentTarget.checked);
              if (event.currentTarget.checked && box) box.scrollTop = box.scrollHeight;
            }}
          />
          Follow
        </label>
      </div>
      <div class="logs-box" classList={{ "logs-live": props.live }} ref={box} onScroll={onScroll} tabindex="0" aria-label="Job logs" data-testid="logs">
        <Show when={props.dropped}>
          <div class="log-line muted">… {props.dropped} earlier lines not shown</div>
        </Show>
        <Show when={props.lines.length} fallback={<div class="log-line muted">{props.live ? "Waiting for log lines…" : "No log lines."}</div>}>
          <For each={props.lines}>
            {(line) => (
              <div class={`log-line log-${line.level}`}>
                <span class="log-time"><Time at={line.at} /></span>
                <Show when={line.node}><span class="log-node">{line.node}</span></Show>
                <span class="log-message">{line.message}</span>
              </div>
            )}
          </For>
        </Show>
      </div>
    </div>
  );
}
