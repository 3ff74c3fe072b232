// An id (job, correlation, rule) that stays readable where it is cut: when it does not fit, its start
// gives way to "…" and its end — where ULIDs, which share their time prefix, differ — shows. The
// text is the whole id in one piece, so copying, hovering and screen readers get all of it.
export function IdText(props: { id: string }) {
  // The box is right-to-left only so that it overflows (and shows its ellipsis) at its start; the
  // isolated id inside keeps its own left-to-right order, punctuation at its ends included.
  return (
    <span class="id-text mono" title={props.id}>
      <bdi>{props.id}</bdi>
    </span>
  );
}
