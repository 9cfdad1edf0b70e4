/**
 * The training view's page. Free of the vscode module so its security properties are tested in
 * plain Node: the layer table's Content-Security-Policy (only this page's nonce runs scripts,
 * nothing loads from outside the webview's origin) and no inline handlers; the script builds the
 * form and attaches every listener.
 */
import { escapeHtml, newNonce, pageHead } from '../layerTableHtml';
import { layerTableMarkup } from '../layerTableMarkup';

export interface TrainPageResources {
  cspSource: string;
  scriptUri: string;
  /** media/page.css: the page and its header, shared with the layer-table panel. */
  pageStyleUri: string;
  /** media/layerTable.css: the layer-table component, shared with the layer-table panel. */
  tableStyleUri: string;
  /** media/train.css: the view's own styles. */
  styleUri: string;
  /** dist/media/train.css: what the bundled script imports (uPlot's chart styles). */
  bundleStyleUri: string;
  title: string;
  /** The .cnn file's URI, kept in the webview's state so a window reload restores the view. */
  fileUri: string;
  nonce?: string;
}

export function trainHtml(resources: TrainPageResources): string {
  const nonce = resources.nonce ?? newNonce();
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
${pageHead({ cspSource: resources.cspSource, nonce, styleUris: [resources.bundleStyleUri, resources.pageStyleUri, resources.tableStyleUri, resources.styleUri], title: `Train ${resources.title}` })}
<body data-file-uri="${attr(resources.fileUri)}">
  <header>
    <div>
      <h1 id="title">${escapeHtml(resources.title)}</h1>
      <p id="adapter" class="muted">Runner: starts when needed</p>
    </div>
    <div class="actions">
      <vscode-button id="start">Start training</vscode-button>
      <vscode-button id="cancel" secondary hidden>Cancel</vscode-button>
      <vscode-button id="resume" secondary hidden title="Continue the stopped run from its last checkpoint">Resume</vscode-button>
      <vscode-button id="compare" secondary>Compare runs…</vscode-button>
      <vscode-button id="open-run" secondary hidden>Open run folder</vscode-button>
    </div>
  </header>
  <p id="notice" role="status" aria-live="polite"></p>
  <section aria-labelledby="progress-heading">
    <h2 id="progress-heading">Progress</h2>
    <vscode-progress-bar id="progress" aria-label="Training progress" max="1" value="0"></vscode-progress-bar>
    <p id="progress-text">Not started</p>
    <p id="result" role="status" aria-live="polite"></p>
  </section>
  <details id="settings" open>
    <summary><h2 id="settings-heading">Settings</h2> <span id="settings-summary" class="muted"></span></summary>
    <section aria-labelledby="settings-heading">
      <p class="muted">Filled from the file's <code>train</code> statement; an empty field uses the runner's default shown in it.</p>
      <div id="form" class="form-grid"></div>
    </section>
  </details>
  <p id="form-error" class="error" role="alert"></p>
  <section aria-labelledby="charts-heading">
    <h2 id="charts-heading">Charts</h2>
    <div class="charts">
      <figure><figcaption>Loss</figcaption><div id="chart-loss" class="chart"></div></figure>
      <figure><figcaption>Error (top-1, top-5)</figcaption><div id="chart-error" class="chart"></div></figure>
      <figure><figcaption>Samples per second</figcaption><div id="chart-speed" class="chart"></div></figure>
    </div>
  </section>
  <section id="evaluation" aria-labelledby="evaluation-heading" hidden>
    <h2 id="evaluation-heading">Evaluation</h2>
    <div id="evaluation-body"></div>
  </section>
  <section id="compare-view" aria-labelledby="compare-heading" hidden>
    <div class="section-head">
      <h2 id="compare-heading">Compared runs</h2>
      <div class="actions">
        <vscode-button id="compare-cancel" secondary hidden>Cancel comparison</vscode-button>
      </div>
    </div>
    <div id="comparison" hidden>
      <p id="comparison-status" role="status" aria-live="polite"></p>
      <div class="scroll"><table id="comparison-table"></table></div>
      <p id="comparison-resolution" class="note"></p>
      <h3 id="conclusions-heading">What holds</h3>
      <p id="comparison-rule" class="note"></p>
      <ul id="comparison-conclusions" aria-labelledby="conclusions-heading"></ul>
    </div>
    <div class="charts">
      <figure><figcaption>Validation loss</figcaption><div id="chart-compare-loss" class="chart"></div></figure>
      <figure><figcaption>Top-1 error</figcaption><div id="chart-compare-error" class="chart"></div></figure>
    </div>
    <p id="compare-band-note" class="note" hidden>Each combination: its mean across seeds as a line, the range across seeds (min–max per epoch) as the band around it.</p>
  </section>
  <section aria-labelledby="layers-heading">
    <div class="section-head">
      <h2 id="layers-heading">Layers</h2>
      <div class="actions">
        <vscode-button id="copy-markdown" secondary>Copy as Markdown</vscode-button>
        <vscode-button id="save-csv" secondary>Save as CSV</vscode-button>
      </div>
    </div>
    ${layerTableMarkup()}
  </section>
  <script nonce="${nonce}" src="${attr(resources.scriptUri)}"></script>
</body>
</html>
`;
}
