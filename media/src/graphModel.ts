/**
 * The graph view's model: the analysed Network as nodes (the input, every layer, and every layer
 * that could not be worked out), edges (every name a layer reads, labelled with the shape it reads)
 * and groups (block instances, nested as the Network nests them). An instance in `collapsed` is
 * drawn as one node with the instance's totals, and the edges into and out of it end on that node.
 * Pure: no DOM, no layout; the same for the webview, the tests and the benchmark.
 */
import type { LayerKind, Network, NetworkDiagnostic, NetworkInstance, Severity, Shape } from '../../server/src/language/network';
import { compactCount, formatShape } from '../../server/src/language/numbers';

export const INPUT_ID = 'input';

export interface GraphNode {
  /** A layer's full name, `input`, or a collapsed instance's full name. */
  id: string;
  /** The name relative to the group that holds it: `conv1` inside `layer1.0`. */
  label: string;
  /** What it is and how it works on its input: `conv 64 · 7×7/2`, `block basic · 5 layers`. */
  kind: string;
  /** Output shape, `112×112×64`; `?` when it could not be worked out. */
  shape: string;
  params: number;
  /**
   * 1-based line of the statement (of the use, for a collapsed instance): what Enter reveals.
   * Absent for the input: the Network does not say on which line it is.
   */
  line?: number;
  /** The group that holds it (an expanded instance). */
  parent?: string;
  /** The worst diagnostic on it. */
  severity?: Severity;
  /** Its diagnostics' messages, for the tooltip. */
  messages: string[];
  /** A layer the analysis could not work out (so no shape, no parameters). */
  unresolved?: boolean;
  /** A block instance drawn closed. */
  collapsed?: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** The shape that flows along it; empty where it could not be worked out. */
  label: string;
}

export interface GraphGroup {
  /** The instance's full name. */
  id: string;
  /** `layer1.0: basic` (full names: a copy's own, `0`, says little); a `repeat` group shows its name alone. */
  label: string;
  parent?: string;
  line: number;
  params: number;
  severity?: Severity;
  messages: string[];
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Outermost first, so a group's parent always comes before it. */
  groups: GraphGroup[];
}

const RANK: Record<Severity, number> = { error: 4, warning: 3, information: 2, hint: 1 };

export function worse(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/** One number when both axes agree, HxW otherwise. */
function axes(pair: [number, number]): string {
  return pair[0] === pair[1] ? String(pair[0]) : `${pair[0]}×${pair[1]}`;
}

interface LayerLike {
  kind: LayerKind;
  count?: number;
  kernel?: [number, number];
  stride?: [number, number];
  groups?: number;
  act?: string;
}

/** `conv 64 · 7×7/2`, `maxpool · 3×3/2`, `fc 4096`, `add · relu`. */
export function kindLine(layer: LayerLike): string {
  const parts = [layer.count !== undefined ? `${layer.kind} ${layer.count}` : layer.kind];
  if (layer.kernel) {
    const stride = layer.stride && (layer.stride[0] !== 1 || layer.stride[1] !== 1) ? `/${axes(layer.stride)}` : '';
    parts.push(`${layer.kernel[0]}×${layer.kernel[1]}${stride}`);
  }
  if (layer.groups !== undefined && layer.groups > 1) parts.push(`groups ${layer.groups}`);
  if (layer.act && layer.act !== 'none') parts.push(layer.act);
  return parts.join(' · ');
}

export function paramsText(params: number): string {
  return `${compactCount(params)} params`;
}

/** `layer1.1.bn2` inside `layer1.1` is `bn2`; names elsewhere stay full. */
function relative(name: string, group: string | undefined): string {
  return group !== undefined && name.startsWith(`${group}.`) ? name.slice(group.length + 1) : name;
}

/** "In layer2.0: ..." names the instance the analysis was reading when it found the problem. */
function instanceOf(diagnostic: NetworkDiagnostic): string | undefined {
  return /^In ([^\s:]+): /.exec(diagnostic.message)?.[1];
}

/**
 * The diagnostics that belong to a statement on `line` read inside `block`. A line in a block's
 * definition is read once per instance: a diagnostic that names an instance belongs to that
 * instance's copy (and those inside it); one that names none belongs to every copy.
 */
function diagnosticsFor(byLine: Map<number, NetworkDiagnostic[]>, line: number, block: string | undefined): NetworkDiagnostic[] {
  return (byLine.get(line) ?? []).filter((d) => {
    const instance = instanceOf(d);
    return instance === undefined || (block !== undefined && (block === instance || block.startsWith(`${instance}.`)));
  });
}

function marks(diagnostics: NetworkDiagnostic[]): { severity?: Severity; messages: string[] } {
  let severity: Severity | undefined;
  for (const d of diagnostics) severity = worse(severity, d.severity);
  return { severity, messages: diagnostics.map((d) => `${d.severity}: ${d.message} [${d.code}]`) };
}

export function graphModel(network: Network, collapsed: ReadonlySet<string> = new Set()): GraphModel {
  const instances = new Map<string, NetworkInstance>((network.instances ?? []).map((i) => [i.name, i]));
  const byLine = new Map<number, NetworkDiagnostic[]>();
  for (const d of network.diagnostics) {
    const list = byLine.get(d.line);
    if (list) list.push(d);
    else byLine.set(d.line, [d]);
  }

  // The outermost collapsed instance holding a layer stands for it; otherwise the layer itself.
  const closedAncestor = new Map<string | undefined, string | undefined>();
  const closedHolder = (block: string | undefined): string | undefined => {
    if (block === undefined) return undefined;
    if (closedAncestor.has(block)) return closedAncestor.get(block);
    const outer = closedHolder(instances.get(block)?.block);
    const holder = outer ?? (collapsed.has(block) ? block : undefined);
    closedAncestor.set(block, holder);
    return holder;
  };

  const nodes: GraphNode[] = [];
  const nodeOf = new Map<string, string>();
  const shapes = new Map<string, Shape | undefined>();
  const groups: GraphGroup[] = [];
  const placed = new Set<string>();

  for (const instance of network.instances ?? []) {
    if (closedHolder(instance.block) !== undefined) continue;
    const parent = instance.block;
    const mark = marks(diagnosticsFor(byLine, instance.line, instance.name));
    if (collapsed.has(instance.name)) {
      nodes.push({
        id: instance.name,
        label: instance.name,
        kind: `${instance.blockName ? `block ${instance.blockName}` : 'repeat'} · ${instance.layers} layers`,
        shape: instance.output.length === 1 && instance.output[0] === 0 ? '?' : formatShape(instance.output),
        params: instance.params,
        line: instance.line,
        parent,
        collapsed: true,
        ...mark,
      });
      placed.add(instance.name);
      continue;
    }
    groups.push({
      id: instance.name,
      label: instance.blockName ? `${instance.name}: ${instance.blockName}` : instance.name,
      parent,
      line: instance.line,
      params: instance.params,
      ...mark,
    });
  }

  if (network.input) {
    nodes.push({ id: INPUT_ID, label: 'input', kind: 'input', shape: formatShape(network.input), params: 0, messages: [] });
    nodeOf.set(INPUT_ID, INPUT_ID);
    shapes.set(INPUT_ID, network.input);
  }

  // The layers worked out, then those that could not be (the Network lists them apart).
  const statements = [
    ...network.layers.map((layer) => ({ layer, output: layer.output as Shape | undefined, kind: kindLine(layer), params: layer.params })),
    ...(network.unresolved ?? []).map((layer) => ({ layer, output: undefined, kind: layer.kind, params: 0 })),
  ];
  for (const { layer, output, kind, params } of statements) {
    shapes.set(layer.name, output);
    const holder = closedHolder(layer.block);
    nodeOf.set(layer.name, holder ?? layer.name);
    if (holder !== undefined) continue;
    nodes.push({
      id: layer.name,
      label: relative(layer.name, layer.block),
      kind,
      shape: output ? formatShape(output) : '?',
      params,
      line: layer.line,
      parent: layer.block,
      ...(output ? {} : { unresolved: true }),
      ...marks(diagnosticsFor(byLine, layer.line, layer.block)),
    });
  }

  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const { layer } of statements) {
    const target = nodeOf.get(layer.name)!;
    for (const name of layer.inputs) {
      const source = nodeOf.get(name);
      // A name that reaches nothing drawn (no input statement) or an edge inside a closed instance.
      if (source === undefined || source === target) continue;
      const id = `${source}->${target}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const shape = shapes.get(name);
      edges.push({ id, source, target, label: shape ? formatShape(shape) : '' });
    }
  }
  return { nodes, edges, groups };
}
