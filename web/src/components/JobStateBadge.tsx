import { stateBadge } from "../lib/states";

/** A job's state as a coloured pill with the console's label (Waiting, Running, …). */
export function JobStateBadge(props: { state: string }) {
  const badge = () => stateBadge(props.state);
  return (
    <span class={`badge badge-${badge().tone}`} data-state={props.state}>
      {badge().label}
    </span>
  );
}
