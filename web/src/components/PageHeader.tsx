// The head of a console page: its title, a line saying what the page is for, and its main action.
import type { JSX } from "solid-js";

export function PageHeader(props: { title: string; children: JSX.Element; action?: JSX.Element }) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        <p class="muted">{props.children}</p>
      </div>
      {props.action}
    </header>
  );
}
