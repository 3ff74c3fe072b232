import { Show } from "solid-js";
import type { Usage } from "../api/types";
import { formatSeconds } from "../lib/format";
import { meterParts } from "../lib/usage";

/** Free seconds used out of the month's allowance, as a bar. */
export function UsageMeter(props: { usage: Usage }) {
  const parts = () => meterParts(props.usage);
  return (
    <div class="meter-block">
      <div class="meter-heading">
        <strong data-testid="free-used">{formatSeconds(props.usage.freeUsedSeconds)}</strong>
        <span class="muted"> of {formatSeconds(props.usage.freeSeconds)} free seconds used</span>
      </div>
      <div
        class={`meter ${parts().overLimit ? "meter-full" : ""}`}
        role="meter"
        aria-valuemin={0}
        aria-valuemax={props.usage.freeSeconds}
        aria-valuenow={props.usage.freeUsedSeconds}
        aria-label="Free seconds used"
      >
        <div class="meter-fill" style={{ width: `${(parts().freeShare * 100).toFixed(2)}%` }} />
      </div>
      <p class="muted small">
        <Show when={!parts().overLimit} fallback="The free seconds of this period are used up.">
          {formatSeconds(parts().freeLeft)} free seconds left this period.
        </Show>
      </p>
    </div>
  );
}
