// The designer's canvas: @dschz/solid-flow (Svelte Flow's port to Solid, on the xyflow engine) draws
// the draft and does the pointer work — pan, zoom, drag, drawing a connection from a port, selecting,
// deleting the selection with Delete or Backspace. The draft (model.ts) stays the one source of
// truth: the canvas's stores are rebuilt from it, and each gesture comes back as a model edit.
import {
  Background,
  Controls,
  createEdgeStore,
  createNodeStore,
  SolidFlow,
  useSolidFlow,
  type Edge,
  type EdgeConnection,
  type Node,
  type NodeTypes,
} from "@dschz/solid-flow";
import "@dschz/solid-flow/styles";
import { batch, createEffect, onMount } from "solid-js";
import { reconcile } from "solid-js/store";
import { hasInput, portsOf } from "../lib/node-ports";
import { FlowNodeView, type CanvasNodeData } from "./FlowNodeView";
import { connect, connectionId, connectionProblem, moveNode, removeConnections, removeNodes, type Draft, type PlacedErrors, type Position } from "./model";
import "./designer.css";

const nodeTypes: NodeTypes = { flow: FlowNodeView as NodeTypes[string] };

/** What the designer can ask of the canvas: where a screen point falls on it, and fitting the view. */
export interface CanvasControls {
  toFlowPosition(point: { x: number; y: number }): Position;
  fit(): void;
}

export interface FlowCanvasProps {
  draft: Draft;
  readOnly?: boolean;
  selected: string | null;
  errors?: PlacedErrors;
  /** A job's node states and run counts, drawn on the nodes. */
  nodeStates?: Record<string, string>;
  nodeRuns?: Record<string, number>;
  onChange?(draft: Draft): void;
  onSelect?(id: string | null): void;
  /** A palette item dropped on the canvas at this flow position. */
  onDropType?(type: string, at: Position): void;
  onReady?(controls: CanvasControls): void;
}

/** Hands the flow's instance to the designer (useSolidFlow works only inside SolidFlow). */
function Bridge(props: { onReady?(controls: CanvasControls): void }) {
  const flow = useSolidFlow();
  onMount(() => props.onReady?.({ toFlowPosition: (point) => flow.screenToFlowPosition(point), fit: () => void flow.fitView({ padding: 0.2 }) }));
  return null;
}

export function FlowCanvas(props: FlowCanvasProps) {
  const [nodes, setNodes] = createNodeStore<typeof nodeTypes>([]);
  const [edges, setEdges] = createEdgeStore([]);

  // The stores follow the draft; what the library keeps on a node or edge (measurements, selection) stays.
  createEffect(() => {
    const { definition, positions } = props.draft;
    const states = props.nodeStates;
    const runs = props.nodeRuns;
    const invalid = props.errors?.nodes ?? {};
    const current = new Map(nodes.map((node) => [node.id, node]));
    const nextNodes = definition.nodes.map((node) => {
      const data: CanvasNodeData = {
        node,
        ports: portsOf(node.type, node.data),
        input: hasInput(node.type),
        state: states ? (states[node.id] ?? "pending") : undefined,
        runs: runs?.[node.id],
        invalid: (invalid[node.id]?.length ?? 0) > 0,
      };
      return {
        ...(current.get(node.id) ?? {}),
        id: node.id,
        type: "flow",
        position: positions[node.id] ?? { x: 0, y: 0 },
        data,
        selected: node.id === props.selected,
        deletable: !props.readOnly,
      };
    });
    const currentEdges = new Map(edges.map((edge) => [edge.id, edge]));
    const nextEdges = definition.connections.map((connection) => {
      const id = connectionId(connection);
      const port = connection.port ?? "default";
      return {
        ...(currentEdges.get(id) ?? {}),
        id,
        source: connection.source,
        target: connection.target,
        sourceHandle: port,
        label: port === "default" ? undefined : port,
        class: props.errors?.connections[id] ? "edge-invalid" : undefined,
        deletable: !props.readOnly,
      };
    });
    batch(() => {
      setNodes(reconcile(nextNodes as (typeof nodes)[number][], { key: "id" }));
      setEdges(reconcile(nextEdges as (typeof edges)[number][], { key: "id" }));
    });
  });

  const change = (next: Draft) => props.onChange?.(next);

  // A drawn connection becomes the model's; the library's own edge is replaced by it at once.
  const onBeforeConnect = (connection: EdgeConnection) => {
    const port = connection.sourceHandle ?? "default";
    if (props.readOnly || connectionProblem(props.draft.definition, connection.source, port, connection.target) !== null) return undefined;
    change(connect(props.draft, connection.source, port, connection.target));
    return undefined;
  };

  const onDelete = (removed: { nodes: Node[]; edges: Edge[] }) => {
    if (props.readOnly) return;
    let next = removeConnections(props.draft, new Set(removed.edges.map((edge) => edge.id)));
    next = removeNodes(next, new Set(removed.nodes.map((node) => node.id)));
    if (removed.nodes.some((node) => node.id === props.selected)) props.onSelect?.(null);
    change(next);
  };

  const onDrop = (event: DragEvent) => {
    const type = event.dataTransfer?.getData("application/x-flowjobs-node");
    if (!type || props.readOnly) return;
    event.preventDefault();
    props.onDropType?.(type, controls?.toFlowPosition({ x: event.clientX, y: event.clientY }) ?? { x: 40, y: 40 });
  };

  let controls: CanvasControls | undefined;

  return (
    <div
      class="designer-canvas"
      classList={{ "designer-canvas-readonly": Boolean(props.readOnly) }}
      onDragOver={(event) => {
        if (props.readOnly) return;
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      }}
      onDrop={onDrop}
    >
      <SolidFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.2 }}
        nodesDraggable={!props.readOnly}
        nodesConnectable={!props.readOnly}
        deleteKey={props.readOnly ? null : ["Delete", "Backspace"]}
        defaultEdgeOptions={{ type: "smoothstep" }}
        onBeforeConnect={onBeforeConnect}
        onDelete={onDelete}
        onNodeClick={({ node }) => props.onSelect?.(node.id)}
        onPaneClick={() => props.onSelect?.(null)}
        // A connection selected leaves no node selected, so Delete removes only the connection.
        onEdgeClick={() => props.onSelect?.(null)}
        onNodeDragStop={({ nodes: moved }) => {
          let next = props.draft;
          for (const node of moved) next = moveNode(next, node.id, { x: Math.round(node.position.x), y: Math.round(node.position.y) });
          change(next);
        }}
        aria-label="Flow canvas"
      >
        <Bridge
          onReady={(ready) => {
            controls = ready;
            props.onReady?.(ready);
          }}
        />
        <Controls showLock={false} />
        <Background variant="dots" />
      </SolidFlow>
    </div>
  );
}
