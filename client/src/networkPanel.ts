/**
 * What the views of one .cnn document's Network share (the layer table, the graph): a webview
 * beside the text that is sent the analysed Network again as the document changes, asks to reveal
 * lines and to save files beside the document; and the registry that keeps one panel per document.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../server/src/language/network';
import { NetworkRequest } from './networkRequest';

/** Long enough to coalesce a burst of keystrokes into one request, short enough to feel live. */
const UPDATE_DELAY_MS = 150;

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

/** The messages every such view understands. */
export type NetworkHostMessage =
  | { type: 'network'; fileName: string; network: Network }
  | { type: 'unavailable'; fileName: string; message: string }
  | { type: 'notice'; message: string };

export interface PanelContext {
  panel: vscode.WebviewPanel;
  document: vscode.TextDocument;
  client: LanguageClient;
  /** The editor column the document was in, where reveals go. */
  sourceColumn: vscode.ViewColumn | undefined;
  onDispose: () => void;
}

export abstract class NetworkPanel implements vscode.Disposable {
  protected network: Network | undefined;
  protected document: vscode.TextDocument;
  readonly panel: vscode.WebviewPanel;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts requests so a slow answer never overwrites a newer one. */
  private generation = 0;
  protected readonly disposables: vscode.Disposable[] = [];

  /** `what` names the view in its messages: "table", "graph". */
  constructor(
    private readonly context: PanelContext,
    private readonly what: string,
  ) {
    this.panel = context.panel;
    this.document = context.document;
    this.disposables.push(
      this.panel.onDidDispose(() => {
        context.onDispose();
        this.dispose();
      }),
      this.panel.webview.onDidReceiveMessage((data: unknown) => this.receive(data)),
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
        if (d === this.document) this.postNetworkMessage({ type: 'notice', message: `File closed: the ${what} no longer updates` });
      }),
    );
  }

  /** A message from the page: untrusted, so each view checks its shape before acting on it. */
  protected abstract receive(data: unknown): void;

  protected postNetworkMessage(message: NetworkHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  protected get fileName(): string {
    return baseName(this.document.uri);
  }

  scheduleUpdate(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), UPDATE_DELAY_MS);
  }

  async update(): Promise<void> {
    const generation = ++this.generation;
    const fileName = this.fileName;
    try {
      const network = await this.context.client.sendRequest(NetworkRequest, { uri: this.document.uri.toString() });
      if (generation !== this.generation) return;
      if (!network) {
        this.postNetworkMessage({ type: 'unavailable', fileName, message: `${fileName} is not open in the editor; open it to see its ${this.what}.` });
        return;
      }
      this.network = network;
      this.postNetworkMessage({ type: 'network', fileName, network });
    } catch (error) {
      if (generation !== this.generation) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.postNetworkMessage({ type: 'unavailable', fileName, message: `The language server could not analyse ${fileName}: ${reason}` });
    }
  }

  /** The page (re)loaded, e.g. a hidden panel shown again: what it had, then a fresh analysis. */
  protected async resend(): Promise<void> {
    if (this.network) this.postNetworkMessage({ type: 'network', fileName: this.fileName, network: this.network });
    await this.update();
  }

  protected async reveal(line: number): Promise<void> {
    const lastLine = this.document.lineCount - 1;
    const position = new vscode.Position(Math.min(line - 1, lastLine), 0);
    await vscode.window.showTextDocument(this.document, {
      viewColumn: this.context.sourceColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
    });
  }

  /** Asks where to save, suggesting the document's name with `extension` beside it, and writes the file. */
  protected async saveBeside(extension: string, label: string, title: string, bytes: Uint8Array): Promise<void> {
    const source = this.document.uri;
    const suggested =
      source.scheme === 'file'
        ? source.with({ path: source.path.replace(/(\.cnn)?$/, `.${extension}`) })
        : vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()), `${this.what}.${extension}`);
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { [label]: [extension] }, title });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.postNetworkMessage({ type: 'notice', message: `Saved ${baseName(target)}` });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.generation++;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export interface PanelKind {
  viewType: string;
  /** The tab's title before the file's name: "Layers", "Graph". */
  titlePrefix: string;
  /** What the view shows, for "Open a .cnn file to see its ...". */
  what: string;
  /** The page's HTML, given the webview (for its cspSource and resource URIs). */
  html(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string;
  create(context: PanelContext): NetworkPanel;
}

/** One panel per document and kind of view. */
export class NetworkPanels implements vscode.Disposable {
  private readonly panels = new Map<string, NetworkPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
    private readonly kind: PanelKind,
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
      void vscode.window.showInformationMessage(`Open a .cnn file to see its ${this.kind.what}.`);
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
      this.kind.viewType,
      `${this.kind.titlePrefix}: ${baseName(document.uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        enableForms: false,
        enableCommandUris: false,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist', 'media')],
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'cnn-file.svg');
    panel.webview.html = this.kind.html(panel.webview, this.extensionUri, baseName(document.uri));
    this.panels.set(key, this.kind.create({ panel, document, client: this.client, sourceColumn, onDispose: () => this.panels.delete(key) }));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }
}
