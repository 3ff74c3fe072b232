import { Show } from "solid-js";
import { loopBar, type LoopPosition } from "../lib/loop-progress";
import "../styles-progress.css";

/**
 * How far a job's outermost loop is (progress.loop): a bar filling up to its length ("4,500 /
 * 20,000"), or moving back and forth when the length is unknown ("4,500 rows"). `compact` is the
 * jobs table's: a thin bar under the state badge, its words on hover; `stopped`, a job that ended
 * inside the loop (a still, grey bar).
 */
export function LoopProgressBar(props: { loop: LoopPosition | null | undefined; unit?: string; compact?: boolean; stopped?: boolean }) {
  const bar = () => loopBar(props.loop, props.unit);
  return (
    <Show when={bar()}>
      {(shown) => (
        <div
          class="loop-progress"
          classList={{ compact: props.compact, stopped: props.stopped, indeterminate: shown().percent === null }}
          role="progressbar"
          aria-label="Loop progress"
          aria-valuemin={shown().length === null ? undefined : 0}
          aria-valuemax={shown().length ?? undefined}
          aria-valuenow={shown().length === null ? undefined : shown().position}
          aria-valuetext={shown().text}
          title={shown().text}
          data-testid="loop-progress"
        >
          <span class="loop-progress-track">
            <span class="loop-progress-fill" style={shown().percent === null ? {} : { width: `${shown().percent}%` }} />
          </span>
          <Show when={!props.compact}>
            <span class="loop-progress-label">{shown().text}</span>
          </Show>
        </div>
      )}
    </Show>
  );
}
