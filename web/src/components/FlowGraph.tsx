import { createMemo, For, Show } from "solid-js";
import type { FlowDefinition } from "../api/types";
import { edgePath, layoutFlow, nodeStateOf } from "../lib/graph-layout";

/** The flow drawn top to bottom (dagre layout); with node states, each node shows how far the job got. */
export function FlowGraph(props: { definition: FlowDefinition; nodeStates?: Record<string, string>; errorNode?: string | null }) {
  const layout = createMemo(() => layoutFlow(props.definition));
  const stateOf = (id: string) => (props.errorNode === id ? "error" : props.nodeStates ? nodeStateOf(props.nodeStates, id) : "plain");
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
          {(node) => (
            <g class={`node node-${stateOf(node.id)}`} data-node={node.id} data-node-state={stateOf(node.id)} transform={`translate(${node.x},${node.y})`}>
              <rect width={node.width} height={node.height} rx="8" />
              <text x={node.width / 2} y={19} class="node-name">{node.label}</text>
              <text x={node.width / 2} y={35} class="node-type">{node.type}</text>
              <title>{`${node.label} (${node.type}): ${stateOf(node.id)}`}</title>
            </g>
          )}
        </For>
      </svg>
      <Show when={props.nodeStates}>
        <figcaption class="legend">
          <span class="legend-item node-done">done</span>
          <span class="legend-item node-running">running</span>
          <span class="legend-item node-pending">pending</span>
          <span class="legend-item node-skipped">skipped</span>
          <span class="legend-item node-error">error</span>
        </figcaption>
      </Show>
    </figure>
  );
}
