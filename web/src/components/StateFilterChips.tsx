import { For } from "solid-js";
import type { StateCount } from "../api/types";
import { countLabel } from "../lib/job-list";
import { JOB_STATE_ORDER, stateBadge } from "../lib/states";

/** Filter chips: All plus one per state, each with its count (up to the server's cap, then "1,000+"). */
export function StateFilterChips(props: {
  selected?: string;
  counts: Partial<Record<string, StateCount>>;
  onSelect: (state: string | undefined) => void;
}) {
  return (
    <div class="chips" role="group" aria-label="Filter by state">
      <button class="chip" aria-pressed={!props.selected} onClick={() => props.onSelect(undefined)}>
        All
      </button>
      <For each={JOB_STATE_ORDER}>
        {(state) => (
          <button
            class={`chip chip-${stateBadge(state).tone}`}
            aria-pressed={props.selected === state}
            data-state={state}
            onClick={() => props.onSelect(props.selected === state ? undefined : state)}
          >
            <span class="dot" />
            {stateBadge(state).label}
            <span class="chip-count">{countLabel(props.counts[state])}</span>
          </button>
        )}
      </For>
    </div>
  );
}
