// The flow drawn with dagre; with a job's node states each node shows how far the job got, and a
// node that ran more than once (in a loop) carries its run count.
import { createMemo, For, Show } from "solid-js";
import type { FlowDefinition } from "../api/types";
import { edgePath, layoutFlow, nodeStateOf, runBadge } from "../lib/graph-layout";

const LEGEND = ["done", "running", "pending", "skipped", "error", "canceled"] as const;

/** The flow drawn top to bottom; the states are the API's `nodeStates` as they are (the console adds nothing of its own). */
export function FlowGraph(props: { definition: FlowDefinition; nodeStates?: Record<string, string>; nodeRuns?: Record<string, number> }) {
  const layout = createMemo(() => layoutFlow(props.definition));
  const stateOf = (id: string) => (props.nodeStates ? nodeStateOf(props.nodeStates, id) : "plain");
  return (
    <figure class="flow-graph">
      <svg
        viewBox={`0 0 ${layout().width} ${layout().height}`}
        width={layout().width}
        style={{ "max-width": "100%", height: "auto" }}
        role="img"
        aria-label="Flow graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="edge-arrow" />
          </marker>
        </defs>
        <For each={layout().edges}>
          {(edge) => (
            <g class="edge">
              <path d={edgePath(edge.points)} marker-end="url(#arrow)" />
              <Show when={edge.label && edge.points.length}>
                <text x={edge.points[Math.floor(edge.points.length / 2)].x + 6} y={edge.points[Math.floor(edge.points.length / 2)].y} class="edge-label">
                  {edge.label}
                </text>
              </Show>
            </g>
          )}
        </For>
        <For each={layout().nodes}>
          {(node) => {
            const badge = () => (props.nodeStates ? runBadge(props.nodeRuns, node.id) : null);
            return (
              <g class={`node node-${stateOf(node.id)}`} data-node={node.id} data-node-state={stateOf(node.id)} data-node-runs={props.nodeRuns?.[node.id]} transform={`translate(${node.x},${node.y})`}>
                <rect width={node.width} height={node.height} rx="8" />
                <text x={node.width / 2} y={19} class="node-name">{node.label}</text>
                <text x={node.width / 2} y={35} class="node-type">{node.type}</text>
                <Show when={badge()}>
                  <g class="run-badge" transform={`translate(${node.width - 12},-8)`}>
                    <rect x={-14} width={28} height={16} rx="8" />
                    <text y={12}>{badge()}</text>
                  </g>
                </Show>
                <title>{`${node.label} (${node.type}): ${stateOf(node.id)}${badge() ? `, ran ${props.nodeRuns![node.id]} times` : ""}`}</title>
              </g>
            );
          }}
        </For>
      </svg>
      <Show when={props.nodeStates}>
        <figcaption class="legend">
          <For each={LEGEND}>{(state) => <span class={`legend-item node-${state}`}>{state}</span>}</For>
          <span class="legend-runs">×N ran N times</span>
        </figcaption>
      </Show>
    </figure>
  );
}
