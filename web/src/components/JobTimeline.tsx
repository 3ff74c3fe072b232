import { For } from "solid-js";
import type { JobDetail } from "../api/types";
import { JobStateBadge } from "./JobStateBadge";
import { Time } from "./Time";

/** The job's state transitions, oldest first. */
export function JobTimeline(props: { events: JobDetail["events"] }) {
  return (
    <ol class="timeline">
      <For each={props.events}>
        {(event) => (
          <li>
            <Time at={event.at} />
            <JobStateBadge state={event.state} />
            <span class="muted mono">{event.code}</span>
            <span>{event.description}</span>
          </li>
        )}
      </For>
    </ol>
  );
}
