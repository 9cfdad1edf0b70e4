/**
 * The seed's spreadsheet as rows of cells, built from the analysed Network alone (no parsing), so
 * the webview shows the numbers `analyze` computed, written the way the CLI writes them.
 */
import type { Network, NetworkDiagnostic, NetworkLayer } from '../../server/src/language/network';
import { formatReal, groupDigits } from '../../server/src/language/numbers';

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
  /** 1-based line of the statement, for jumping to it. */
  line: number;
  /** Worst severity among the diagnostics on the row's line. */
  severity?: NetworkDiagnostic['severity'];
  problems: string[];
}

export interface TableModel {
  title: string;
  columns: Column[];
  rows: Row[];
  totals: { neurons: string; params: string; neuronsConvFc: string; macs: string };
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

function layerCells(layer: NetworkLayer): Cell[] {
  const input = layer.input;
  const dense = layer.kind === 'fc' || layer.kind === 'softmax';
  const inputs = input.reduce((a, b) => a * b, 1);
  const num = (text: string): Cell => ({ text, numeric: true });
  return [
    { text: layer.name, detail: kindDetail(layer) },
    num(input.length === 3 && !dense ? axes([input[0], input[1]]) : groupDigits(inputs)),
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
  ];
}

export function tableModel(network: Network, fileName: string): TableModel {
  const byLine = new Map<number, NetworkDiagnostic[]>();
  for (const d of network.diagnostics) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  const layerLines = new Set(network.layers.map((l) => l.line));

  const rows: Row[] = network.layers.map((layer) => {
    const diagnostics = byLine.get(layer.line) ?? [];
    const worst = [...diagnostics].sort((a, b) => severityRank[a.severity] - severityRank[b.severity])[0];
    return { cells: layerCells(layer), line: layer.line, severity: worst?.severity, problems: diagnostics.map((d) => d.message) };
  });

  return {
    title: network.network ?? fileName,
    columns: COLUMNS,
    rows,
    totals: {
      neurons: groupDigits(network.totals.neurons),
      params: groupDigits(network.totals.params),
      neuronsConvFc: groupDigits(network.totals.neuronsConvFc),
      macs: groupDigits(network.totals.macs),
    },
    otherProblems: network.diagnostics
      .filter((d) => !layerLines.has(d.line))
      .map((d) => ({ line: d.line, severity: d.severity, message: d.message })),
  };
}
