/**
 * The layer table's page. Kept free of the vscode module so its security properties can be tested
 * in plain Node: a strict Content-Security-Policy where only this page's nonce runs scripts, and
 * no inline handlers (the script attaches its listeners).
 */
import { randomBytes } from 'node:crypto';
import { layerTableMarkup } from './layerTableMarkup';

export interface PageResources {
  /** webview.cspSource: the origin the webview serves local resources from. */
  cspSource: string;
  scriptUri: string;
  /** media/page.css: the page and its header, shared with the training view. */
  pageStyleUri: string;
  /** media/layerTable.css: the layer-table component, shared with the training view. */
  tableStyleUri: string;
  title: string;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `imageSources`: more places images may come from (the graph view draws its picture from a data: URL to make a PNG). */
export function contentSecurityPolicy(cspSource: string, nonce: string, imageSources: string[] = []): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${[cspSource, ...imageSources].join(' ')}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** A webview page's <head>: the policy, the stylesheets in order, the title. */
export function pageHead(options: { cspSource: string; nonce: string; styleUris: string[]; title: string; imageSources?: string[] }): string {
  const attr = escapeHtml;
  return `<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(options.cspSource, options.nonce, options.imageSources))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${options.styleUris.map((uri) => `  <link rel="stylesheet" href="${attr(uri)}">\n`).join('')}  <title>${escapeHtml(options.title)}</title>
</head>`;
}

export function layerTableHtml(resources: PageResources): string {
  const nonce = resources.nonce ?? newNonce();
  const attr = escapeHtml;
  const { cspSource, title } = resources;
  return `<!DOCTYPE html>
<html lang="en">
${pageHead({ cspSource, nonce, title, styleUris: [resources.pageStyleUri, resources.tableStyleUri] })}
<body class="table-page">
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
    ${layerTableMarkup()}
  </div>
  <script nonce="${nonce}" src="${attr(resources.scriptUri)}"></script>
</body>
</html>
`;
}
