/**
 * The layer table's page. Kept free of the vscode module so its security properties can be tested
 * in plain Node: a strict Content-Security-Policy where only this page's nonce runs scripts, and
 * no inline handlers (the script attaches its listeners).
 */
import { randomBytes } from 'node:crypto';

export interface PageResources {
  /** webview.cspSource: the origin the webview serves local resources from. */
  cspSource: string;
  scriptUri: string;
  /** media/layerTableCommon.css: the table, shared with the training view. */
  tableStyleUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function layerTableHtml(resources: PageResources): string {
  const nonce = resources.nonce ?? newNonce();
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(resources.cspSource, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(resources.tableStyleUri)}">
  <link rel="stylesheet" href="${attr(resources.styleUri)}">
  <title>${escapeHtml(resources.title)}</title>
</head>
<body>
  <header>
    <h1 id="title">${escapeHtml(resources.title)}</h1>
    <div class="actions">
      <span id="notice" role="status" aria-live="polite"></span>
      <vscode-button id="copy-markdown">Copy as Markdown</vscode-button>
      <vscode-button id="save-csv" secondary>Save as CSV</vscode-button>
    </div>
  </header>
  <p id="status">Analysing…</p>
  <div id="table-view" hidden>
    <p id="summary"></p>
    <ul id="problems"></ul>
    <div class="scroll">
      <table>
        <thead id="head"></thead>
        <tbody id="body"></tbody>
        <tfoot id="foot"></tfoot>
      </table>
    </div>
  </div>
  <script nonce="${nonce}" src="${attr(resources.scriptUri)}"></script>
</body>
</html>
`;
}
