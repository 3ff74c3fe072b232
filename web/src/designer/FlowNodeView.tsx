// One node on the designer's canvas: its name and type, an input handle on top (every type but
// START), and one output handle per port along the bottom, each labelled with the port's name, so a
// connection is drawn from the port it leaves. With a job shown, the node carries the job's state.
import { Handle, type NodeProps } from "@dschz/solid-flow";
import { For, Show } from "solid-js";
import type { FlowNode } from "../api/types";

export interface CanvasNodeData extends Record<string, unknown> {
  node: FlowNode;
  ports: string[];
  input: boolean;
  /** The job's state of the node (done, running, …), when a job is drawn. */
  state?: string;
  runs?: number;
  /** The save refused something of this node. */
  invalid?: boolean;
}

export function FlowNodeView(props: NodeProps<CanvasNodeData>) {
  const ports = () => props.data.ports;
  return (
    <div
      class="designer-node"
      classList={{ [`node-${props.data.state}`]: Boolean(props.data.state), "node-invalid": Boolean(props.data.invalid) }}
      data-node-id={props.data.node.id}
      data-state={props.data.state ?? ""}
    >
      <Show when={props.data.input}>
        <Handle type="target" position="top" aria-label={`${props.data.node.name} input`} />
      </Show>
      <strong class="designer-node-name">{props.data.node.name}</strong>
      <span class="designer-node-type">
        {props.data.node.type}
        <Show when={(props.data.runs ?? 0) > 1}> · ×{props.data.runs}</Show>
      </span>
      <Show when={ports().length > 0}>
        <div class="designer-node-ports">
          <For each={ports()}>
            {(port, index) => (
              <>
                <Show when={ports().length > 1 || port !== "default"}>
                  <span class="designer-port-label" style={{ left: `${((index() + 1) * 100) / (ports().length + 1)}%` }}>{port}</span>
                </Show>
                <Handle
                  type="source"
                  position="bottom"
                  id={port}
                  style={{ left: `${((index() + 1) * 100) / (ports().length + 1)}%` }}
                  aria-label={`${props.data.node.name} port ${port}`}
                  data-port={port}
                />
              </>
            )}
          </For>
        </div>
      </Show>
    </div>
  );
}
