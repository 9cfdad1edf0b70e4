/**
 * The seed's spreadsheet as rows of cells, built from the analysed Network alone (no parsing), so
 * the webview shows the numbers `analyze` computed, written the way the CLI writes them.
 */
import type { Network, NetworkDiagnostic, NetworkInstance, NetworkLayer, Shape } from '../../server/src/language/network';
import { formatReal, groupDigits } from '../../server/src/language/numbers';
import { layerTree, memoryHeader, memorySummary, renderTable, rowMemory, type InstanceSummary, type TableNode } from '../../server/src/language/table';
import { formatBytes, trainingBatch, trainingMemory } from '../../server/src/language/trainingMemory';

export interface Cell {
  text: string;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Shown on hover. */
  title?: string;
  /** A second, muted line under the text (the layer's kind under its name). */
  detail?: string;
  /** Shown, but not part of the column's total. */
  muted?: boolean;
}

export interface Column {
  label: string;
  title?: string;
  numeric?: boolean;
}

export interface Row {
  cells: Cell[];
  /** Full name of the layer or instance: unique, so a row keeps its open or closed state. */
  id: string;
  /** 1-based line of the statement (of the use, for an instance), for jumping to it. */
  line: number;
  /** Nesting: 0 at top level, 1 inside a top-level instance, and so on. */
  depth: number;
  /** The instances holding this row, outermost first: it shows only while all of them are open. */
  parents: string[];
  /** Set on the row of a block instance: its totals, and its rows follow it (one level deeper). */
  instance?: { blockName: string; layers: number };
  /**
   * What the layer reads, written relative to its instance (`bn2`, `layer1.0.out`, `input`),
   * where that is not simply the layer evaluated before it.
   */
  inputs?: string[];
  /** Worst severity among the diagnostics on the row's line. */
  severity?: NetworkDiagnostic['severity'];
  problems: string[];
  /** On an instance row: the worst severity among the rows inside it, shown while it is closed. */
  innerSeverity?: NetworkDiagnostic['severity'];
}

export interface FootRow {
  cells: Cell[];
  /** A second figure of a total, drawn quieter than the totals. */
  secondary?: boolean;
}

export interface TableModel {
  title: string;
  columns: Column[];
  rows: Row[];
  totals: { neurons: string; params: string; neuronsConvFc: string; macs: string; memory: string };
  /** The batch the memory column is worked out at: the `train` statement's, else the runner's default. */
  batch: number;
  /** The totals rows under the table, one cell per column; the first cell is the row's label. */
  foot: FootRow[];
  /** Diagnostics that are not on a layer's line (input, train, or a line that stopped analysis). */
  otherProblems: { line: number; severity: NetworkDiagnostic['severity']; message: string }[];
}

export const COLUMNS: Column[] = [
  { label: 'Layer' },
  { label: 'Size of input n', numeric: true, title: 'Spatial size n of the input image; for fc and softmax, the number of inputs' },
  { label: 'Input channels', numeric: true },
  { label: 'f', numeric: true, title: 'Filter (kernel) size' },
  { label: 'p', numeric: true, title: 'Padding' },
  { label: 's', numeric: true, title: 'Stride' },
  { label: 'Output size (n+2p−f)/s+1', numeric: true, title: 'Unrounded; an arrow shows the size frameworks use' },
  { label: 'Output channels or units', numeric: true },
  { label: 'Output neurons', numeric: true },
  { label: 'Size of filter + 1', numeric: true },
  { label: 'Parameters', numeric: true },
];

/** The memory column, last, as `cnn table --batch` adds it. */
function memoryColumn(network: Network, batch: number): Column {
  const where = network.train?.batch !== undefined ? "the train statement's batch" : "the runner's default batch (the file's train statement sets none)";
  return {
    label: memoryHeader(batch),
    numeric: true,
    title: `At ${where}. A layer's weights, gradients, optimiser state, activations and their gradients, and im2col columns; ` +
      'the total also holds the input batch and the gradient buffers the layers share (docs/memory.md)',
  };
}

/** The table as Copy as Markdown and Save as CSV give it: every layer, and the memory column the webview shows. */
export function exportedTable(network: Network, format: 'markdown' | 'csv'): string {
  return renderTable(network, format, { batch: trainingBatch(network) });
}

const severityRank = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/** One number when both axes agree (the seed's square layers), HxW otherwise. */
function axes(pair: [number, number] | undefined, format: (n: number) => string = String): string {
  if (!pair) return '';
  return pair[0] === pair[1] ? format(pair[0]) : `${format(pair[0])}x${format(pair[1])}`;
}

function outputSize(layer: NetworkLayer): Cell {
  const out = layer.output;
  const spatial = out.length === 3 ? axes([out[0], out[1]]) : '';
  if (!layer.raw) return { text: spatial, numeric: true };
  const used = spatial;
  if (Number.isInteger(layer.raw[0]) && Number.isInteger(layer.raw[1])) return { text: used, numeric: true };
  const rule = layer.round === 'ceil' ? 'rounded up' : 'floored';
  return {
    text: `${axes(layer.raw, formatReal)} → ${used}`,
    numeric: true,
    title: `Not whole: ${rule} to ${used}`,
  };
}

/** dropout, lrn and batchnorm transform their input in place; the spec leaves them out of the neuron totals. */
const IN_PLACE = new Set<NetworkLayer['kind']>(['dropout', 'lrn', 'batchnorm']);

/** The kind, and what changes its arithmetic from the plain rule: grouped filters, ceil rounding. */
function kindDetail(layer: NetworkLayer): string {
  const parts: string[] = [layer.kind];
  if (layer.groups !== undefined && layer.groups > 1) parts.push(`groups ${layer.groups}`);
  if (layer.round === 'ceil') parts.push('ceil');
  return parts.join(' · ');
}

/** `layer1.1.bn2` read from inside `layer1.1` is `bn2`; names elsewhere stay full. */
function relativeName(name: string, block: string | undefined): string {
  return block !== undefined && name.startsWith(`${block}.`) ? name.slice(block.length + 1) : name;
}

/** The note under a name: `← stem`, `← in, bn2`. */
function inputsNote(inputs: string[] | undefined): string {
  return inputs ? ` ← ${inputs.join(', ')}` : '';
}

const num = (text: string): Cell => ({ text, numeric: true });
const bytes = (n: number): Cell => ({ text: formatBytes(n), numeric: true, title: `${groupDigits(n)} bytes` });

function layerCells(layer: NetworkLayer, inputs: string[] | undefined, memory: number): Cell[] {
  const input = layer.input;
  const dense = layer.kind === 'fc' || layer.kind === 'softmax';
  const flat = input.reduce((a, b) => a * b, 1);
  const note = inputsNote(inputs);
  return [
    { text: layer.name, detail: kindDetail(layer) + note, title: inputs ? `Reads ${layer.inputs.join(', ')}` : undefined },
    num(input.length === 3 && !dense ? axes([input[0], input[1]]) : groupDigits(flat)),
    num(input.length === 3 && !dense ? String(input[2]) : ''),
    num(axes(layer.kernel)),
    num(axes(layer.pad)),
    num(axes(layer.stride)),
    outputSize(layer),
    num(groupDigits(layer.output[layer.output.length - 1] ?? 0)),
    IN_PLACE.has(layer.kind)
      ? { text: groupDigits(layer.neurons), numeric: true, muted: true, title: `Not in the total: ${layer.kind} transforms its input in place` }
      : num(groupDigits(layer.neurons)),
    num(layer.filterPlusOne === undefined ? '' : groupDigits(layer.filterPlusOne)),
    num(groupDigits(layer.params)),
    bytes(memory),
  ];
}

function instanceCells(instance: NetworkInstance, summary: InstanceSummary, inputs: string[] | undefined, memory: number): Cell[] {
  const input: Shape | undefined = summary.input;
  const out = summary.output;
  const image = input?.length === 3;
  const what = `${summary.kind} · ${summary.layers === 1 ? '1 layer' : `${summary.layers} layers`}`;
  return [
    { text: instance.name, detail: what + inputsNote(inputs) },
    num(input === undefined ? '' : image ? axes([input[0], input[1]]) : groupDigits(input[0] ?? 0)),
    num(image ? String(input[2]) : ''),
    num(''),
    num(''),
    num(''),
    num(out.length === 3 ? axes([out[0], out[1]]) : ''),
    num(groupDigits(out[out.length - 1] ?? 0)),
    { text: groupDigits(summary.neurons), numeric: true, title: `Its layers' neurons as the total counts them (conv, pooling, fc and softmax)` },
    num(''),
    { text: groupDigits(summary.params), numeric: true, title: `${groupDigits(summary.macs)} multiply-adds` },
    { ...bytes(memory), title: `${groupDigits(memory)} bytes: its layers'` },
  ];
}

/** The totals under their columns; the labels sit in the first column, which stays in sight as the table scrolls sideways. */
function footRows(columns: Column[], totals: TableModel['totals'], memoryBreakdown: string): FootRow[] {
  const empty = (): Cell[] => columns.map(() => ({ text: '' }));
  const at = (label: string) => columns.findIndex((c) => c.label === label);
  const total = empty();
  total[0] = { text: 'Total' };
  total[at('Output neurons')] = { text: totals.neurons, numeric: true, title: `${totals.neuronsConvFc} counting conv and fc layers only, as the AlexNet paper does` };
  total[at('Parameters')] = { text: totals.params, numeric: true };
  total[columns.length - 1] = { text: totals.memory, numeric: true, title: memoryBreakdown };
  const convFc = empty();
  convFc[0] = { text: 'Neurons in conv and fc layers', title: 'As the AlexNet paper counts its neurons: conv, fc and softmax layers only' };
  convFc[at('Output neurons')] = { text: totals.neuronsConvFc, numeric: true };
  return [{ cells: total }, { cells: convFc, secondary: true }];
}

export function tableModel(network: Network, fileName: string): TableModel {
  const byLine = new Map<number, NetworkDiagnostic[]>();
  for (const d of network.diagnostics) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  const layerLines = new Set(network.layers.map((l) => l.line));
  for (const i of network.instances ?? []) layerLines.add(i.line);
  const problemsOn = (line: number) => {
    const diagnostics = byLine.get(line) ?? [];
    const worst = [...diagnostics].sort((a, b) => severityRank[a.severity] - severityRank[b.severity])[0];
    return { severity: worst?.severity, problems: diagnostics.map((d) => d.message) };
  };
  // What was evaluated just before each layer: reading it is the plain chain, not worth a note.
  const previous = new Map(network.layers.map((l, i) => [l.name, i === 0 ? 'input' : network.layers[i - 1]!.name]));
  const firstLayer = (node: TableNode): NetworkLayer | undefined =>
    node.type === 'layer' ? node.layer : node.children.map(firstLayer).find((l) => l !== undefined);
  const note = (inputs: string[], before: string | undefined, block: string | undefined) =>
    inputs.length === 1 && inputs[0] === before ? undefined : inputs.map((n) => relativeName(n, block));

  const batch = trainingBatch(network);
  const trainingBytes = trainingMemory(network, { batch });
  const memory = rowMemory(trainingBytes);
  const rows: Row[] = [];
  const walk = (nodes: TableNode[], parents: string[]) => {
    for (const node of nodes) {
      if (node.type === 'layer') {
        const layer = node.layer;
        const inputs = note(layer.inputs, previous.get(layer.name), layer.block);
        rows.push({ cells: layerCells(layer, inputs, memory.layer(layer.name)), id: layer.name, line: layer.line, depth: parents.length, parents, inputs, ...problemsOn(layer.line) });
        continue;
      }
      const { instance, summary } = node;
      const first = firstLayer(node);
      const inputs = note(instance.inputs, first && previous.get(first.name), instance.block);
      rows.push({
        cells: instanceCells(instance, summary, inputs, memory.instance(instance.name)),
        id: instance.name,
        line: instance.line,
        depth: parents.length,
        parents,
        instance: { blockName: summary.kind, layers: summary.layers },
        inputs,
        ...problemsOn(instance.line),
      });
      walk(node.children, [...parents, instance.name]);
    }
  };
  walk(layerTree(network), []);
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  for (const row of rows) {
    if (!row.severity) continue;
    for (const parent of row.parents) {
      const holder = rowOf.get(parent);
      if (holder && (!holder.innerSeverity || severityRank[row.severity] < severityRank[holder.innerSeverity])) holder.innerSeverity = row.severity;
    }
  }

  const columns = [...COLUMNS, memoryColumn(network, batch)];
  const totals = {
    neurons: groupDigits(network.totals.neurons),
    params: groupDigits(network.totals.params),
    neuronsConvFc: groupDigits(network.totals.neuronsConvFc),
    macs: groupDigits(network.totals.macs),
    memory: formatBytes(memory.total),
  };
  return {
    title: network.network ?? fileName,
    columns,
    rows,
    totals,
    batch,
    foot: footRows(columns, totals, memorySummary(trainingBytes)),
    otherProblems: network.diagnostics
      .filter((d) => !layerLines.has(d.line))
      .map((d) => ({ line: d.line, severity: d.severity, message: d.message })),
  };
}
