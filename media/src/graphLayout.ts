/**
 * Lays a GraphModel out with ELK's layered algorithm (elkjs), top to bottom, and places what ELK
 * is not asked to: the groups' boxes and the edges' shape labels. Runs the same in the webview
 * and in Node (tests, benchmark): elk.bundled.js carries its own in-thread worker.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type ELKConstructor from 'elkjs/lib/elk.bundled.js';
import { paramsText, type GraphEdge, type GraphGroup, type GraphModel, type GraphNode } from './graphModel';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type PlacedNode = GraphNode & Box;
export type PlacedGroup = GraphGroup & Box;
export interface PlacedEdge extends GraphEdge {
  /** The polyline from the source's border to the target's. */
  points: [number, number][];
  /** Where the shape is written: on the first edge out of each node only. */
  labelBox?: Box;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  /** Outermost first: drawn first, so inner groups and nodes lie on top. */
  groups: PlacedGroup[];
  edges: PlacedEdge[];
}

/** Sizes the text is drawn with (graphSvg.ts and media/graph.css use the same). */
export const TEXT = { size: 12, line: 16, charWidth: 7.2, padX: 10, padY: 6, labelSize: 11, labelCharWidth: 6.4 };
/** Space between a group's border and what it holds, per nesting level. */
export const GROUP_PAD = 10;

/** A node's three lines: name, kind, shape and parameters. */
export function nodeLines(node: GraphNode): [string, string, string] {
  const third = node.params > 0 ? `${node.shape} · ${paramsText(node.params)}` : node.shape;
  return [node.collapsed ? `▸ ${node.label}` : node.label, node.kind, third];
}

export function groupTitle(group: GraphGroup): string {
  return group.params > 0 ? `${group.label} · ${paramsText(group.params)}` : group.label;
}

function nodeSize(node: GraphNode): { width: number; height: number } {
  const longest = Math.max(...nodeLines(node).map((l) => l.length));
  return { width: Math.ceil(longest * TEXT.charWidth + 2 * TEXT.padX), height: 3 * TEXT.line + 2 * TEXT.padY };
}

const OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '36',
  // Room between ranks for the edge's shape label and, below it, the titles of two nested groups.
  'elk.layered.spacing.nodeNodeBetweenLayers': '60',
  'elk.padding': '[top=40,left=40,bottom=20,right=20]',
};

/**
 * Past this many nodes the layout trades looks for time (bench/graph.bench.ts times a network of
 * 1,000 layers): longest-path layering instead of network simplex, one
 * crossing-minimisation pass, simple node placement (a third less CPU than Brandes-Köpf on 333
 * residual blocks), and the file's order no longer considered.
 */
const LARGE_GRAPH = 300;
const SMALL_OPTIONS: Record<string, string> = {
  // Keep the file's order where the layering leaves a choice: the picture reads like the text.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};
const LARGE_OPTIONS: Record<string, string> = {
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.thoroughness': '1',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
};

let elk: Promise<InstanceType<typeof ELKConstructor>> | undefined;

/**
 * ELK is loaded on the first layout, not with this module: running elk.bundled.js takes 0.15 to
 * 0.3 s, which the extension (that draws "Compare with…"'s graphs) would otherwise pay on activation.
 */
async function loadElk(): Promise<InstanceType<typeof ELKConstructor>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  return new ELK();
}

/**
 * Groups are not ELK compound nodes: laying out a hierarchy (INCLUDE_CHILDREN) took 3 to 4 times
 * as long for a network of 333 residual blocks. The network is laid out flat and each group drawn
 * around what it holds; blocks read in order, so their layers share no rank with another block's.
 */
export async function layoutGraph(model: GraphModel): Promise<GraphLayout> {
  elk ??= loadElk();
  const layoutOptions = { ...OPTIONS, ...(model.nodes.length > LARGE_GRAPH ? LARGE_OPTIONS : SMALL_OPTIONS) };
  const root: ElkNode = {
    id: '__root',
    layoutOptions,
    children: model.nodes.map((n) => ({ id: n.id, ...nodeSize(n) })),
    edges: model.edges.map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result = await (await elk).layout(root);

  const boxes = new Map<string, Box>();
  for (const child of result.children ?? []) boxes.set(child.id, { x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? 0, height: child.height ?? 0 });
  const nodes = model.nodes.map((n) => ({ ...n, ...boxes.get(n.id)! }));
  const groups = groupBoxes(model.groups, nodes);
  const placed = new Map((result.edges ?? []).map((e) => [e.id, e]));
  // Every edge out of a node carries that node's output: its shape is written once, on the first.
  const labelled = new Set<string>();
  const edges = model.edges.map((e) => {
    const points: [number, number][] = [];
    for (const section of placed.get(e.id)?.sections ?? []) {
      points.push([section.startPoint.x, section.startPoint.y]);
      for (const b of section.bendPoints ?? []) points.push([b.x, b.y]);
      points.push([section.endPoint.x, section.endPoint.y]);
    }
    const first = !labelled.has(e.source);
    labelled.add(e.source);
    return { ...e, points, labelBox: first ? labelBox(e.label, points) : undefined };
  });
  let width = result.width ?? 0;
  let height = result.height ?? 0;
  for (const g of groups) {
    width = Math.max(width, g.x + g.width + GROUP_PAD);
    height = Math.max(height, g.y + g.height + GROUP_PAD);
  }
  return { width: Math.ceil(width), height: Math.ceil(height), nodes, groups, edges };
}

/**
 * Lays out two three-node graphs, one with each set of options, for the page to call as it loads,
 * while the host asks the server for the network: the first layout of a process pays for loading
 * and compiling ELK's code, and a small graph gets most of that done before the network arrives.
 * A 1,000-layer chain's first layout: 1.76-1.86 s cold; after 0.60-0.65 s of warm-up, 1.01-1.09 s
 * (docs/benchmarks.md).
 */
export async function warmUpLayout(): Promise<void> {
  elk ??= loadElk();
  const engine = await elk;
  for (const extra of [SMALL_OPTIONS, LARGE_OPTIONS]) {
    await engine.layout({
      id: '__warm',
      layoutOptions: { ...OPTIONS, ...extra },
      children: ['a', 'b', 'c'].map((id) => ({ id, width: 80, height: 60 })),
      edges: [{ id: 'ab', sources: ['a'], targets: ['b'] }, { id: 'ac', sources: ['a'], targets: ['c'] }, { id: 'bc', sources: ['b'], targets: ['c'] }],
    });
  }
}

/** Each group around the nodes and groups it holds, innermost first so an outer one holds them padded. */
function groupBoxes(groups: GraphGroup[], nodes: PlacedNode[]): PlacedGroup[] {
  const boxes = new Map<string, Box>();
  const grow = (id: string, box: Box) => {
    const b = boxes.get(id);
    if (!b) {
      boxes.set(id, { ...box });
      return;
    }
    const x = Math.min(b.x, box.x);
    const y = Math.min(b.y, box.y);
    b.width = Math.max(b.x + b.width, box.x + box.width) - x;
    b.height = Math.max(b.y + b.height, box.y + box.height) - y;
    b.x = x;
    b.y = y;
  };
  const padded = (b: Box): Box => ({ x: b.x - GROUP_PAD, y: b.y - GROUP_PAD - TEXT.labelSize, width: b.width + 2 * GROUP_PAD, height: b.height + 2 * GROUP_PAD + TEXT.labelSize });
  for (const n of nodes) if (n.parent !== undefined) grow(n.parent, n);
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    const inner = boxes.get(g.id);
    if (inner && g.parent !== undefined) grow(g.parent, padded(inner));
  }
  return groups.filter((g) => boxes.has(g.id)).map((g) => ({ ...g, ...padded(boxes.get(g.id)!) }));
}

/**
 * The shape label sits beside the edge's first segment, just below the node it leaves: the top of
 * the gap between two ranks is where the titles of the groups the edge enters are written.
 */
function labelBox(label: string, points: [number, number][]): Box | undefined {
  if (!label || points.length < 2) return undefined;
  const [x, y] = points[0];
  const width = Math.ceil(label.length * TEXT.labelCharWidth);
  const height = TEXT.labelSize + 2;
  return { x: x + 4, y: y + 2, width, height };
}
