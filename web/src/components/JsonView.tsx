/** JSON in a collapsible section (keyboard: the summary is focusable). */
export function JsonView(props: { title: string; value: unknown; open?: boolean }) {
  const text = () => (props.value === undefined || props.value === null ? "null" : JSON.stringify(props.value, null, 2));
  return (
    <details class="json" open={props.open}>
      <summary>{props.title}</summary>
      <pre>{text()}</pre>
    </details>
  );
}
