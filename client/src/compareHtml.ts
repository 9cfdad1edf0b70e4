/**
 * "CNN: Compare with…"'s page: the semantic diff (networkDiff.ts) as two tables, in the layer
 * table's styles (media/page.css, media/layerTable.css), and below them the two graphs with the
 * differences marked (compareGraphs.ts). The page's one script (media/src/compare.ts, by its nonce)
 * only puts the content the host sends into <main>, so an edit keeps the reader's place; the
 * Content-Security-Policy allows no other script, and only the graph stylesheet inline (by its hash).
 * Free of the vscode module, so it is tested in plain Node.
 */
import { DIFF_HEADERS, diffRows, totalRows, type NetworkDiff } from '../../server/src/language/networkDiff';
import { COMPARE_GRAPH_CSS, compareGraphsHtml, graphStyleSource, type GraphSection } from './compareGraphs';
import { escapeHtml } from './layerTableHtml';

export interface ComparePageResources {
  cspSource: string;
  pageStyleUri: string;
  tableStyleUri: string;
  /** media/compare.css: the added, removed and changed marks. */
  compareStyleUri: string;
  /** dist/media/compare.js, run under `nonce`. */
  scriptUri: string;
  nonce: string;
}

export function compareContentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `style-src ${cspSource} ${graphStyleSource()}`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

/** Numeric columns are right-aligned as in the layer table; the status column says added, removed or changed in words for screen readers. */
function table(label: string, header: readonly string[], rows: string[][], numeric: (i: number) => boolean, status?: string[]): string {
  const head = header.map((h, i) => `<th scope="col"${numeric(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r, k) => {
    const cells = r.map((c, i) => {
      const tag = i === 0 && !status ? 'th scope="row"' : i === 1 && status ? 'th scope="row"' : 'td';
      const title = i === 0 && status ? ` title="${status[k]}" aria-label="${status[k]}"` : '';
      return `<${tag}${numeric(i) ? ' class="num"' : ''}${title}>${escapeHtml(c)}</${tag.split(' ')[0]}>`;
    }).join('');
    return `<tr${status ? ` class="${status[k]}"` : ''}>${cells}</tr>`;
  }).join('\n');
  return `<div class="scroll"><table class="layer-table" aria-label="${escapeHtml(label)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** What the page's <main> holds: posted to the page as the file changes (media/src/compareProtocol.ts). */
export function compareContentHtml(diff: NetworkDiff, graphs: GraphSection): string {
  const count = (s: string) => diff.layers.filter((l) => l.status === s).length;
  const summary = `${count('added')} added, ${count('removed')} removed, ${count('changed')} changed, ${diff.unchanged} unchanged; ` +
    `memory is training memory at batch ${diff.batch} (docs/memory.md)`;
  const layers = diff.layers.length
    ? table('Layers that differ', DIFF_HEADERS, diffRows(diff), (i) => i >= 4 && i < 7, diff.layers.map((l) => l.status))
    : '<p id="no-difference">No layer differs.</p>';
  return `<header><h1 id="title">${escapeHtml(compareTitle(diff))}</h1></header>
  <p id="summary">${escapeHtml(summary)}</p>
  ${layers}
  <h2>Totals</h2>
  ${table('Totals', ['Total', diff.a, diff.b, 'Δ'], totalRows(diff), (i) => i >= 1)}
  ${compareGraphsHtml(diff, graphs)}`;
}

const compareTitle = (diff: NetworkDiff) => `${diff.a} → ${diff.b}`;

export function compareHtml(diff: NetworkDiff, resources: ComparePageResources, graphs: GraphSection): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(compareContentSecurityPolicy(resources.cspSource, resources.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeHtml(resources.pageStyleUri)}">
  <link rel="stylesheet" href="${escapeHtml(resources.tableStyleUri)}">
  <link rel="stylesheet" href="${escapeHtml(resources.compareStyleUri)}">
  <style>${COMPARE_GRAPH_CSS}</style>
  <title>${escapeHtml(compareTitle(diff))}</title>
</head>
<body>
<main>
  ${compareContentHtml(diff, graphs)}
</main>
<script nonce="${escapeHtml(resources.nonce)}" src="${escapeHtml(resources.scriptUri)}"></script>
</body>
</html>
`;
}
