/**
 * The graph view's page, under the layer table's Content-Security-Policy (only this page's nonce
 * runs scripts; no inline code or styles), with one addition: images from data: URLs, which is how
 * the page turns its SVG into a PNG on a canvas. Free of the vscode module, so it is tested in Node.
 */
import { contentSecurityPolicy, escapeHtml, newNonce } from './layerTableHtml';

export interface GraphPageResources {
  cspSource: string;
  scriptUri: string;
  /** media/page.css, shared with the other views. */
  pageStyleUri: string;
  /** media/graph.css. */
  graphStyleUri: string;
  title: string;
  nonce?: string;
}

export function graphHtml(resources: GraphPageResources): string {
  const nonce = resources.nonce ?? newNonce();
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(resources.cspSource, nonce, ['data:']))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(resources.pageStyleUri)}">
  <link rel="stylesheet" href="${attr(resources.graphStyleUri)}">
  <title>${escapeHtml(resources.title)}</title>
</head>
<body>
  <header>
    <h1 id="title">${escapeHtml(resources.title)}</h1>
    <div class="actions">
      <span id="notice" role="status" aria-live="polite"></span>
      <vscode-button id="save-svg">Save as SVG</vscode-button>
      <vscode-button id="save-png" secondary>Save as PNG</vscode-button>
    </div>
  </header>
  <p id="summary" class="muted"></p>
  <p id="status">Analysing…</p>
  <div id="graph" aria-label="Network graph: Tab or the arrow keys move between layers, Enter shows a layer's line, Space opens or closes a block"></div>
  <script nonce="${nonce}" src="${attr(resources.scriptUri)}"></script>
</body>
</html>
`;
}
