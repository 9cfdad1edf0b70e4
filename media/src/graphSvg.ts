/**
 * Draws a laid-out graph as SVG text: what the webview shows and what "Save as SVG" writes. Pure
 * (no DOM), so the export is tested in Node. Colours come from one stylesheet, graphCss(): in the
 * webview its values are VS Code's theme variables (light, dark and high contrast alike); in an
 * exported file they are the colours those variables had, written into the file's own <style>.
 */
import { GROUP_PAD, TEXT, groupTitle, nodeLines, type GraphLayout, type PlacedEdge, type PlacedGroup, type PlacedNode } from './graphLayout';

/** Each colour the picture uses, and the VS Code theme variable it follows (with a fallback). */
export const THEME_COLOURS = {
  background: '--vscode-editor-background',
  foreground: '--vscode-editor-foreground',
  muted: '--vscode-descriptionForeground',
  nodeFill: '--vscode-editorWidget-background',
  nodeBorder: '--vscode-editorWidget-border',
  groupBorder: '--vscode-editorIndentGuide-activeBackground1',
  groupFill: '--vscode-sideBar-background',
  edge: '--vscode-editorLineNumber-foreground',
  focus: '--vscode-focusBorder',
  highlight: '--vscode-editor-findMatchHighlightBackground',
  error: '--vscode-editorError-foreground',
  warning: '--vscode-editorWarning-foreground',
  information: '--vscode-editorInfo-foreground',
  // A comparison's marks (client/src/compareGraphs.ts), in the colours of the editor's gutter bars for
  // lines added, deleted and changed: green, red and blue in the default themes, where the colours
  // git gives file names for added and modified are two close greens (seen in code-server's light theme).
  added: '--vscode-editorGutter-addedBackground',
  removed: '--vscode-editorGutter-deletedBackground',
  changed: '--vscode-editorGutter-modifiedBackground',
} as const;

export type Palette = Record<keyof typeof THEME_COLOURS, string>;

/** Used where a theme leaves a variable unset (an exported file must not depend on any). */
const FALLBACK: Palette = {
  background: '#ffffff',
  foreground: '#1f1f1f',
  muted: '#6f6f6f',
  nodeFill: '#f3f3f3',
  nodeBorder: '#c8c8c8',
  groupBorder: '#939393',
  groupFill: 'transparent',
  edge: '#6e7681',
  focus: '#0078d4',
  highlight: 'rgba(234, 92, 0, 0.33)',
  error: '#e51400',
  warning: '#bf8803',
  information: '#1a85ff',
  added: '#48985d',
  removed: '#e51400',
  changed: '#2090d3',
};

/** The webview's palette: every colour is its theme variable, so a theme change recolours at once. */
export function themePalette(): Palette {
  const palette = {} as Palette;
  for (const key of Object.keys(THEME_COLOURS) as (keyof Palette)[]) palette[key] = `var(${THEME_COLOURS[key]}, ${FALLBACK[key]})`;
  return palette;
}

/** An export's palette: the theme's current colours, read by `resolve` (getComputedStyle in the page). */
export function resolvedPalette(resolve: (variable: string) => string): Palette {
  const palette = {} as Palette;
  for (const key of Object.keys(THEME_COLOURS) as (keyof Palette)[]) palette[key] = resolve(THEME_COLOURS[key]).trim() || FALLBACK[key];
  return palette;
}

export const FONT_FAMILY = "var(--vscode-editor-font-family, 'Cascadia Code', Consolas, 'DejaVu Sans Mono', monospace)";
const EXPORT_FONT_FAMILY = "'Cascadia Code', Consolas, 'DejaVu Sans Mono', monospace";

/** The picture's stylesheet, scoped to svg.cnn-graph. */
export function graphCss(palette: Palette, fontFamily = FONT_FAMILY): string {
  const p = palette;
  return `
svg.cnn-graph { font-family: ${fontFamily}; font-size: ${TEXT.size}px; }
svg.cnn-graph .background { fill: ${p.background}; }
svg.cnn-graph .node rect { fill: ${p.nodeFill}; stroke: ${p.nodeBorder}; stroke-width: 1; }
svg.cnn-graph .node text { fill: ${p.foreground}; }
svg.cnn-graph .node .name { font-weight: bold; }
svg.cnn-graph .node .detail { fill: ${p.muted}; }
svg.cnn-graph .node.unresolved rect { stroke-dasharray: 4 3; }
svg.cnn-graph .node.collapsed rect { stroke-width: 2; }
svg.cnn-graph .node.information rect { stroke: ${p.information}; stroke-width: 2; }
svg.cnn-graph .node.warning rect { stroke: ${p.warning}; stroke-width: 2; }
svg.cnn-graph .node.error rect { stroke: ${p.error}; stroke-width: 3; }
svg.cnn-graph .node.error .name { fill: ${p.error}; }
svg.cnn-graph .node.current rect { fill: ${p.highlight}; }
svg.cnn-graph .node:focus { outline: none; }
svg.cnn-graph .node:focus rect { stroke: ${p.focus}; stroke-width: 3; }
svg.cnn-graph .group > rect { fill: ${p.groupFill}; fill-opacity: 0.35; stroke: ${p.groupBorder}; stroke-dasharray: 6 3; }
svg.cnn-graph .group.error > rect { stroke: ${p.error}; stroke-width: 2; }
svg.cnn-graph .group.warning > rect { stroke: ${p.warning}; }
svg.cnn-graph .group.current > rect { stroke: ${p.focus}; stroke-width: 2; }
svg.cnn-graph .group .title { fill: ${p.muted}; font-size: ${TEXT.labelSize}px; }
svg.cnn-graph .group .toggle { cursor: pointer; }
svg.cnn-graph .group .toggle:focus { outline: none; }
svg.cnn-graph .group .toggle:focus .title { fill: ${p.focus}; text-decoration: underline; }
svg.cnn-graph .edge path { fill: none; stroke: ${p.edge}; stroke-width: 1.2; }
svg.cnn-graph .edge text { fill: ${p.muted}; font-size: ${TEXT.labelSize}px; }
svg.cnn-graph .arrow { fill: ${p.edge}; }
svg.cnn-graph .node { cursor: pointer; }
svg.cnn-graph.static .node { cursor: default; }
svg.cnn-graph .node.added rect { stroke: ${p.added}; stroke-width: 3; }
svg.cnn-graph .node.removed rect { stroke: ${p.removed}; stroke-width: 3; }
svg.cnn-graph .node.removed .name { text-decoration: line-through; }
svg.cnn-graph .node.changed rect { stroke: ${p.changed}; stroke-width: 3; }
svg.cnn-graph .mark circle { stroke: none; }
svg.cnn-graph .added .mark circle { fill: ${p.added}; }
svg.cnn-graph .removed .mark circle { fill: ${p.removed}; }
svg.cnn-graph .changed .mark circle { fill: ${p.changed}; }
svg.cnn-graph .node .mark text { fill: ${p.background}; font-weight: bold; }
`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const n = (x: number) => String(Math.round(x * 10) / 10);

/** How a comparison marks a node: what the diff says of its layer, and, for a change, what changed. */
export interface NodeMark {
  status: 'added' | 'removed' | 'changed';
  changes: string[];
}

/** Drawn in a badge on the node's top right corner: the signs of `cnn diff`'s first column. */
const MARK_SIGN: Record<NodeMark['status'], string> = { added: '+', removed: '−', changed: '~' };
const MARK_RADIUS = 8;

function nodeClass(node: PlacedNode, mark: NodeMark | undefined): string {
  return ['node', node.severity, node.unresolved ? 'unresolved' : '', node.collapsed ? 'collapsed' : '', mark?.status ?? ''].filter(Boolean).join(' ');
}

/** What a screen reader says for a node, and its tooltip; a mark is said in words after the name, so it is not colour alone. */
export function nodeDescription(node: PlacedNode, mark?: NodeMark, interactive = true): string {
  const [name, kind, third] = nodeLines(node);
  const state = node.unresolved ? ', not worked out' : node.collapsed ? `, closed block${interactive ? ' (press Space to open)' : ''}` : '';
  const where = node.line ? `, line ${node.line}` : '';
  const marked = mark ? ` (${mark.status})` : '';
  return [`${name}${marked}: ${kind}, output ${third}${state}${where}`, ...(mark?.changes ?? []), ...node.messages].join('\n');
}

function renderMark(node: PlacedNode, mark: NodeMark): string {
  const cx = node.x + node.width;
  return `<g class="mark" aria-hidden="true"><circle cx="${n(cx)}" cy="${n(node.y)}" r="${MARK_RADIUS}"/>` +
    `<text x="${n(cx)}" y="${n(node.y + TEXT.size / 2 - 2)}" text-anchor="middle">${MARK_SIGN[mark.status]}</text></g>`;
}

function renderNode(node: PlacedNode, mark: NodeMark | undefined, interactive: boolean): string {
  const [name, kind, third] = nodeLines(node).map(escapeXml);
  const x = node.x + TEXT.padX;
  const baseline = (i: number) => n(node.y + TEXT.padY + TEXT.line * i + TEXT.size);
  const line = node.line !== undefined ? ` data-line="${node.line}"` : '';
  const description = escapeXml(nodeDescription(node, mark, interactive));
  // A picture that does nothing on a click (a comparison) has no buttons to stop at.
  const role = interactive ? 'tabindex="0" role="button"' : 'role="img"';
  return `<g class="${nodeClass(node, mark)}" data-id="${escapeXml(node.id)}"${line} ${role} aria-label="${description}">` +
    `<title>${description}</title>` +
    `<rect x="${n(node.x)}" y="${n(node.y)}" width="${n(node.width)}" height="${n(node.height)}" rx="4"/>` +
    `<text x="${n(x)}" y="${baseline(0)}" class="name">${name}</text>` +
    `<text x="${n(x)}" y="${baseline(1)}" class="detail">${kind}</text>` +
    `<text x="${n(x)}" y="${baseline(2)}">${third}</text>${mark ? renderMark(node, mark) : ''}</g>`;
}

function renderGroup(group: PlacedGroup, interactive: boolean): string {
  const cls = ['group', group.severity].filter(Boolean).join(' ');
  const title = escapeXml(groupTitle(group));
  const tooltip = escapeXml([`${groupTitle(group)}, line ${group.line}${interactive ? ' (Space closes it)' : ''}`, ...group.messages].join('\n'));
  const tx = group.x + GROUP_PAD;
  const ty = group.y + TEXT.labelSize + 2;
  const toggle = interactive ? ' tabindex="0" role="button" aria-expanded="true"' : '';
  return `<g class="${cls}" data-id="${escapeXml(group.id)}" data-line="${group.line}">` +
    `<rect x="${n(group.x)}" y="${n(group.y)}" width="${n(group.width)}" height="${n(group.height)}" rx="6"/>` +
    `<g class="toggle"${toggle} aria-label="${tooltip}"><title>${tooltip}</title>` +
    `<text x="${n(tx)}" y="${n(ty)}" class="title">${interactive ? '▾ ' : ''}${title}</text></g></g>`;
}

function renderEdge(edge: PlacedEdge, arrowId: string): string {
  if (edge.points.length < 2) return '';
  const d = edge.points.map(([x, y], i) => `${i ? 'L' : 'M'}${n(x)},${n(y)}`).join(' ');
  const label = edge.labelBox ? `<text x="${n(edge.labelBox.x)}" y="${n(edge.labelBox.y + edge.labelBox.height - 2)}">${escapeXml(edge.label)}</text>` : '';
  return `<g class="edge" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}"><path d="${d}" marker-end="url(#${arrowId})"/>${label}</g>`;
}

export interface SvgOptions {
  /** The network's name, for the picture's accessible name. */
  title: string;
  /** A stylesheet written into the file (an export); the webview styles the picture from outside. */
  css?: string;
  /** Nodes marked by a comparison, by node id; the rest are drawn as usual. */
  marks?: ReadonlyMap<string, NodeMark>;
  /**
   * False for a picture in a page without a script (a comparison): no node is a button, no block
   * a toggle, and the svg has the class `static`. Default true (the graph view).
   */
  interactive?: boolean;
  /** Prefix of the ids the picture defines, so two pictures in one page do not share one (default `cnn`). */
  idPrefix?: string;
}

export function renderGraphSvg(layout: GraphLayout, options: SvgOptions): string {
  const { width, height } = layout;
  const interactive = options.interactive ?? true;
  const arrowId = `${options.idPrefix ?? 'cnn'}-arrow`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="cnn-graph${interactive ? '' : ' static'}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-label="${escapeXml(options.title)}">`,
  ];
  if (options.css !== undefined) parts.push(`<style><![CDATA[${options.css}]]></style>`);
  parts.push(
    `<defs><marker id="${escapeXml(arrowId)}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path class="arrow" d="M0,0 L8,4 L0,8 z"/></marker></defs>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}"/>`,
  );
  for (const g of layout.groups) parts.push(renderGroup(g, interactive));
  for (const e of layout.edges) parts.push(renderEdge(e, escapeXml(arrowId)));
  for (const node of layout.nodes) parts.push(renderNode(node, options.marks?.get(node.id), interactive));
  parts.push('</svg>');
  return parts.join('\n');
}

/** A file to save: the picture with its colours written in, readable without VS Code. */
export function exportSvg(layout: GraphLayout, title: string, palette: Palette): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderGraphSvg(layout, { title, css: graphCss(palette, EXPORT_FONT_FAMILY) })}\n`;
}
