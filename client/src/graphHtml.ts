/**
 * The graph view's page, under the layer table's Content-Security-Policy (only this page's nonce
 * runs scripts; no inline code or styles), with one addition: images from data: URLs, which is how
 * the page turns its SVG into a PNG on a canvas. Free of the vscode module, so it is tested in Node.
 */
import { escapeHtml, newNonce, pageHead } from './layerTableHtml';

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
  const { cspSource, title } = resources;
  return `<!DOCTYPE html>
<html lang="en">
${pageHead({ cspSource, nonce, title, styleUris: [resources.pageStyleUri, resources.graphStyleUri], imageSources: ['data:'] })}
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
