/**
 * The seed's spreadsheet as text, Markdown, CSV or JSON, with the totals row. Used by
 * `cnn table`, the "Show layer table" command and the training panel.
 */
import type { Network, NetworkLayer } from './network';
import { formatReal, groupDigits } from './numbers';

export type TableFormat = 'text' | 'markdown' | 'csv' | 'json';
export const TABLE_FORMATS: readonly TableFormat[] = ['text', 'markdown', 'csv', 'json'];

export const TABLE_HEADERS = [
  'Layer',
  'Kind',
  'Size of input n',
  'Input channels',
  'f',
  'p',
  's',
  'Output size (n+2p-f)/s+1',
  'Output channels or units',
  'Output neurons',
  'Size of filter + 1',
  'Parameters',
] as const;

export interface TableRow {
  cells: string[];
  layer?: NetworkLayer;
}

/** One axis when the layer is square, HxW otherwise. */
function axes(pair: [number, number] | undefined, format: (n: number) => string = String): string {
  if (!pair) return '';
  return pair[0] === pair[1] ? format(pair[0]) : `${format(pair[0])}x${format(pair[1])}`;
}

function outputSize(layer: NetworkLayer): string {
  if (layer.output.length !== 3) return '';
  const out: [number, number] = [layer.output[0], layer.output[1]];
  if (!layer.raw) return axes(out);
  const whole = Number.isInteger(layer.raw[0]) && Number.isInteger(layer.raw[1]);
  return whole ? axes(out) : `${axes(layer.raw, formatReal)} → ${axes(out)}`;
}

export function tableRows(network: Network, group: (n: number) => string = groupDigits): TableRow[] {
  const rows: TableRow[] = network.layers.map((layer) => {
    const input = layer.input;
    const image = input.length === 3;
    const flatInputs = layer.input.reduce((a, b) => a * b, 1);
    const dense = layer.kind === 'fc' || layer.kind === 'softmax';
    return {
      layer,
      cells: [
        layer.name,
        layer.kind,
        dense || input.length !== 3 ? group(flatInputs) : axes([input[0], input[1]]),
        input.length === 3 && !dense ? String(input[2]) : '',
        axes(layer.kernel),
        axes(layer.pad),
        axes(layer.stride),
        outputSize(layer),
        String(layer.output[layer.output.length - 1]),
        group(layer.neurons),
        layer.filterPlusOne === undefined ? '' : group(layer.filterPlusOne),
        group(layer.params),
      ],
    };
  });
  const totals = network.totals;
  rows.push({ cells: ['Total', '', '', '', '', '', '', '', '', group(totals.neurons), '', group(totals.params)] });
  return rows;
}

function csvCell(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function renderTable(network: Network, format: TableFormat): string {
  switch (format) {
    case 'json':
      // Shapes and pairs stay on one line, as the spec writes them: [227, 227, 3].
      return JSON.stringify(network, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`) + '\n';
    case 'csv': {
      const rows = tableRows(network, String).map((r) => r.cells);
      return [TABLE_HEADERS as readonly string[], ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    }
    case 'markdown': {
      const rows = tableRows(network).map((r) => r.cells.map((c) => c.replace(/\|/g, '\\|')));
      const numeric = TABLE_HEADERS.map((_, i) => i >= 2);
      const lines = [
        `| ${TABLE_HEADERS.join(' | ')} |`,
        `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
        ...rows.map((r) => `| ${r.join(' | ')} |`),
      ];
      return `${title(network)}\n\n${lines.join('\n')}\n\n${totalsLine(network)}\n`;
    }
    case 'text': {
      const rows = [[...TABLE_HEADERS] as string[], ...tableRows(network).map((r) => r.cells)];
      const widths = TABLE_HEADERS.map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
      const pad = (cell: string, i: number) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]));
      const body = rows.map((r) => r.map(pad).join('  ').trimEnd());
      body.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
      body.splice(body.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
      return `${title(network)}\n\n${body.join('\n')}\n\n${totalsLine(network)}\n`;
    }
  }
}

function title(network: Network): string {
  const input = network.input ? ` (input ${network.input.join('x')})` : '';
  return `${network.network ?? 'network'}${input}`;
}

function totalsLine(network: Network): string {
  const t = network.totals;
  return `Total parameters ${groupDigits(t.params)}; neurons ${groupDigits(t.neurons)} (conv and fc only, as the AlexNet paper counts: ${groupDigits(t.neuronsConvFc)}); MACs ${groupDigits(t.macs)}`;
}
