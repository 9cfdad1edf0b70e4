/**
 * "CNN: Compare with…"'s graphs: each side drawn by the graph view's own code (graphModel.ts,
 * graphLayout.ts, graphSvg.ts), A left and B right, its nodes marked as the diff (networkDiff.ts)
 * marks their layers: removed and changed on A's side, added and changed on B's.
 *
 * Laid out and drawn here, in the extension host, not in the page: elkjs runs in Node as it does in
 * a webview, so the page's script stays one line (it puts the content it is sent into the page) and
 * its policy gains only the hash of the graph stylesheet. elk.bundled.js lays out in the calling thread, so the extension
 * host waits for it: 0.04 to 0.4 s of CPU for the example networks (resnet56.cnn, 144 nodes, the
 * most). Hence A is laid out once per panel and B once per change, and a side of more than
 * GRAPH_NODE_LIMIT nodes is not drawn (the page says so; the tables still cover every layer).
 * Free of the vscode module, so it is tested in plain Node.
 */
import { createHash } from 'node:crypto';
import type { Network } from '../../server/src/language/network';
import type { NetworkDiff } from '../../server/src/language/networkDiff';
import { graphModel } from '../../media/src/graphModel';
import { layoutGraph, type GraphLayout } from '../../media/src/graphLayout';
import { graphCss, renderGraphSvg, themePalette, type NodeMark } from '../../media/src/graphSvg';
import { escapeHtml } from './layerTableHtml';

/** Above this many nodes a side is not laid out: about 0.5 s of CPU on the development machine, paid on every pause in typing. */
export const GRAPH_NODE_LIMIT = 200;

/** A side laid out, or the number of nodes that kept it from being laid out. */
export type SideLayout = GraphLayout | { tooLarge: number };

export type GraphSection =
  | { state: 'pending' }
  | { state: 'failed'; reason: string }
  | { state: 'drawn'; a: SideLayout; b: SideLayout };

export async function layoutSide(network: Network): Promise<SideLayout> {
  const model = graphModel(network);
  if (model.nodes.length > GRAPH_NODE_LIMIT) return { tooLarge: model.nodes.length };
  return layoutGraph(model);
}

/** The nodes each side marks, by node id (a layer's full name): a changed layer paired under another name is marked under each side's own. */
export function diffMarks(diff: NetworkDiff): { a: Map<string, NodeMark>; b: Map<string, NodeMark> } {
  const a = new Map<string, NodeMark>();
  const b = new Map<string, NodeMark>();
  for (const layer of diff.layers) {
    const mark: NodeMark = { status: layer.status, changes: layer.changes };
    if (layer.a) a.set(layer.a.name, mark);
    if (layer.b) b.set(layer.b.name, mark);
  }
  return { a, b };
}

/** The page's one stylesheet of its own: the graph view's, in the theme's variables. */
export const COMPARE_GRAPH_CSS = graphCss(themePalette());

/** The stylesheet's source in the page's Content-Security-Policy: its hash, so no other inline style runs. */
export function graphStyleSource(): string {
  return `'sha256-${createHash('sha256').update(COMPARE_GRAPH_CSS).digest('base64')}'`;
}

const LEGEND = `<ul class="graph-legend" aria-label="What the marks mean">
    <li><span class="swatch removed" aria-hidden="true">−</span>removed: only in A (left)</li>
    <li><span class="swatch added" aria-hidden="true">+</span>added: only in B (right)</li>
    <li><span class="swatch changed" aria-hidden="true">~</span>changed: in both, differing (a node's tooltip says how)</li>
    <li><span class="swatch unchanged" aria-hidden="true"></span>unchanged</li>
  </ul>`;

function figure(side: 'a' | 'b', label: string, layout: SideLayout, marks: Map<string, NodeMark>): string {
  const which = side === 'a' ? 'A' : 'B';
  const count = (status: NodeMark['status']) => [...marks.values()].filter((m) => m.status === status).length;
  const statuses: NodeMark['status'][] = side === 'a' ? ['removed', 'changed'] : ['added', 'changed'];
  const caption = `${which}: ${label} (${statuses.map((s) => `${count(s)} ${s}`).join(', ')})`;
  const body = 'tooLarge' in layout
    ? `<p class="muted">${escapeHtml(label)} has ${layout.tooLarge} nodes: the graphs are drawn for up to ${GRAPH_NODE_LIMIT} a side, so that laying them out never holds up the editor. The tables above cover every layer.</p>`
    : `<div class="graph-scroll">${renderGraphSvg(layout, { title: `Graph of ${label}`, marks, interactive: false, idPrefix: `cnn-${side}` })}</div>`;
  return `<figure id="graph-${side}"><figcaption>${escapeHtml(caption)}</figcaption>${body}</figure>`;
}

/** The legend and the two graphs side by side; the markup is graphSvg.ts's, every name escaped there. */
export function compareGraphsHtml(diff: NetworkDiff, section: GraphSection): string {
  if (section.state === 'pending') return '<h2>Graphs</h2>\n  <p id="graphs-status">Laying out the graphs…</p>';
  if (section.state === 'failed') return `<h2>Graphs</h2>\n  <p id="graphs-status">The graphs could not be laid out: ${escapeHtml(section.reason)}</p>`;
  const marks = diffMarks(diff);
  return `<h2>Graphs</h2>
  ${LEGEND}
  <div class="graphs">
    ${figure('a', diff.a, section.a, marks.a)}
    ${figure('b', diff.b, section.b, marks.b)}
  </div>`;
}
