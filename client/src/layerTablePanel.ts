/**
 * "CNN: Show layer table": the seed's spreadsheet for a .cnn document in a webview beside it,
 * re-requested from the language server as the document changes. The webview only displays; the
 * clipboard, the save dialog and the editor are reached from here, on typed messages.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../server/src/language/network';
import { renderTable } from '../../server/src/language/table';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../media/src/layerTableProtocol';
import { layerTableHtml } from './layerTableHtml';
import { NetworkRequest } from './networkRequest';

export const LAYER_TABLE_VIEW_TYPE = 'cnn.layerTable';

/** Long enough to coalesce a burst of keystrokes into one request, short enough to feel live. */
const UPDATE_DELAY_MS = 150;

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

class LayerTablePanel implements vscode.Disposable {
  private network: Network | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts requests so a slow answer never overwrites a newer one. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private document: vscode.TextDocument,
    private readonly client: LanguageClient,
    private readonly sourceColumn: vscode.ViewColumn | undefined,
    onDispose: () => void,
  ) {
    this.disposables.push(
      panel.onDidDispose(() => {
        onDispose();
        this.dispose();
      }),
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const message = parseWebviewMessage(data);
        if (message) void this.handle(message);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === this.document) this.scheduleUpdate();
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        // A closed and reopened file is a new TextDocument object for the same URI.
        if (d.uri.toString() === this.document.uri.toString()) {
          this.document = d;
          this.scheduleUpdate();
        }
      }),
      // Settings change what the server reports (the non-integer-output severity, or 'off').
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cnn', this.document.uri)) this.scheduleUpdate();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === this.document) this.post({ type: 'notice', message: 'File closed: the table no longer updates' });
      }),
    );
  }

  get uri(): string {
    return this.document.uri.toString();
  }

  scheduleUpdate(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), UPDATE_DELAY_MS);
  }

  async update(): Promise<void> {
    const generation = ++this.generation;
    const fileName = baseName(this.document.uri);
    try {
      const network = await this.client.sendRequest(NetworkRequest, { uri: this.uri });
      if (generation !== this.generation) return;
      if (!network) {
        this.post({ type: 'unavailable', fileName, message: `${fileName} is not open in the editor; open it to see its layers.` });
        return;
      }
      this.network = network;
      this.post({ type: 'network', fileName, network });
    } catch (error) {
      if (generation !== this.generation) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.post({ type: 'unavailable', fileName, message: `The language server could not analyse ${fileName}: ${reason}` });
    }
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Sent on every (re)load of the page, e.g. when a hidden panel is shown again.
        if (this.network) this.post({ type: 'network', fileName: baseName(this.document.uri), network: this.network });
        await this.update();
        return;
      case 'copyMarkdown':
        if (!this.network) return;
        await vscode.env.clipboard.writeText(renderTable(this.network, 'markdown'));
        this.post({ type: 'notice', message: 'Copied' });
        return;
      case 'saveCsv':
        return this.saveCsv();
      case 'reveal':
        return this.reveal(message.line);
    }
  }

  private async saveCsv(): Promise<void> {
    if (!this.network) return;
    const csv = renderTable(this.network, 'csv');
    const source = this.document.uri;
    const suggested =
      source.scheme === 'file'
        ? source.with({ path: source.path.replace(/(\.cnn)?$/, '.csv') })
        : vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()), 'layers.csv');
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { CSV: ['csv'] }, title: 'Save layer table as CSV' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(csv));
    this.post({ type: 'notice', message: `Saved ${baseName(target)}` });
  }

  private async reveal(line: number): Promise<void> {
    const lastLine = this.document.lineCount - 1;
    const position = new vscode.Position(Math.min(line - 1, lastLine), 0);
    await vscode.window.showTextDocument(this.document, {
      viewColumn: this.sourceColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.generation++;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export class LayerTablePanels implements vscode.Disposable {
  private readonly panels = new Map<string, LayerTablePanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
  ) {}

  /** The command: with a URI from a menu, or the active .cnn editor. */
  async show(uri?: vscode.Uri): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const document = uri
      ? await vscode.workspace.openTextDocument(uri)
      : editor?.document.languageId === 'cnn'
        ? editor.document
        : vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'cnn')?.document;
    if (!document) {
      void vscode.window.showInformationMessage('Open a .cnn file to see its layer table.');
      return;
    }
    const key = document.uri.toString();
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal(undefined, true);
      return;
    }
    const sourceColumn = vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn;
    const panel = vscode.window.createWebviewPanel(
      LAYER_TABLE_VIEW_TYPE,
      `Layers: ${baseName(document.uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        enableForms: false,
        enableCommandUris: false,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'cnn-file.svg');
    const webview = panel.webview;
    webview.html = layerTableHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'media', 'layerTable.js')).toString(),
      pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'page.css')).toString(),
      tableStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'layerTable.css')).toString(),
      title: baseName(document.uri),
    });
    this.panels.set(key, new LayerTablePanel(panel, document, this.client, sourceColumn, () => this.panels.delete(key)));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }
}
