// Flow graph layout: the definition becomes a dagre graph (top to bottom), and dagre's positions
// become boxes and edge paths the FlowGraph component draws as SVG.
import { Graph, layout } from "@dagrejs/dagre";
import type { FlowDefinition, NodeState } from "../api/types";

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 46;

export interface GraphInput {
  nodes: { id: string; label: string; type: string; width: number; height: number }[];
  edges: { source: string; target: string; label: string | null }[];
}

/** What dagre lays out: every node, and every connection whose ends exist (labelled by port). */
export function graphInput(definition: FlowDefinition): GraphInput {
  const ids = new Set(definition.nodes.map((node) => node.id));
  return {
    nodes: definition.nodes.map((node) => ({
      id: node.id,
      label: node.name || node.id,
      type: node.type,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
    })),
    edges: definition.connections
      .filter((connection) => ids.has(connection.source) && ids.has(connection.target))
      .map((connection) => ({
        source: connection.source,
        target: connection.target,
        label: connection.port && connection.port !== "default" ? connection.port : null,
      })),
  };
}

export interface LaidOutNode {
  id: string;
  label: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LaidOutEdge {
  source: string;
  target: string;
  label: string | null;
  points: { x: number; y: number }[];
}
export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

export function layoutFlow(definition: FlowDefinition): GraphLayout {
  const input = graphInput(definition);
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 46, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of input.nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  input.edges.forEach((edge, index) =>
    graph.setEdge(edge.source, edge.target, { label: edge.label ?? "", width: edge.label ? 30 : 0, height: edge.label ? 14 : 0 }, `e${index}`),
  );
  layout(graph);
  const size = graph.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: input.nodes.map((node) => {
      const placed = graph.node(node.id);
      return { ...node, x: placed.x - node.width / 2, y: placed.y - node.height / 2 };
    }),
    edges: input.edges.map((edge, index) => ({
      ...edge,
      points: (graph.edge({ v: edge.source, w: edge.target, name: `e${index}` })?.points ?? []).map((point: { x: number; y: number }) => ({ x: point.x, y: point.y })),
    })),
  };
}

/** An SVG path through the edge's points. */
export function edgePath(points: { x: number; y: number }[]): string {
  return points.map((point, index) => `${index ? "L" : "M"}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(" ");
}

const DRAWN_STATES: ReadonlySet<string> = new Set<NodeState>(["done", "running", "pending", "skipped", "error", "canceled"]);

/** A node's state for drawing: the job's node states (as the API answers them), else "pending" while nothing ran yet. */
export function nodeStateOf(states: Record<string, string> | undefined, nodeId: string): NodeState {
  const state = states && Object.hasOwn(states, nodeId) ? states[nodeId] : undefined;
  return state !== undefined && DRAWN_STATES.has(state) ? (state as NodeState) : "pending";
}

/** The run-count badge: "×3" for a node that ran three times, nothing for one that ran once or never. */
export function runBadge(runs: Record<string, number> | undefined, nodeId: string): string | null {
  const count = runs && Object.hasOwn(runs, nodeId) ? runs[nodeId] : 0;
  return count > 1 ? `×${count}` : null;
}
