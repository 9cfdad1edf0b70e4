/**
 * "CNN: Show graph": the network of a .cnn document drawn as a graph in a webview beside it,
 * re-requested from the language server as the document changes (networkPanel.ts), with the
 * cursor's line sent along so its nodes light up. The page lays out and draws; the editor and the
 * save dialogs are reached from here, on typed messages.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { parseGraphMessage, type GraphHostMessage, type GraphWebviewMessage } from '../../media/src/graphProtocol';
import { graphHtml } from './graphHtml';
import { NetworkPanel, NetworkPanels, type PanelContext } from './networkPanel';

export const GRAPH_VIEW_TYPE = 'cnn.graph';

class GraphPanel extends NetworkPanel {
  constructor(context: PanelContext) {
    super(context, 'graph');
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document === this.document) this.post({ type: 'cursor', line: e.selections[0].active.line + 1 });
      }),
    );
  }

  private post(message: GraphHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  protected receive(data: unknown): void {
    const message = parseGraphMessage(data);
    if (message) void this.handle(message);
  }

  private async handle(message: GraphWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        const editor = vscode.window.visibleTextEditors.find((e) => e.document === this.document);
        if (editor) this.post({ type: 'cursor', line: editor.selection.active.line + 1 });
        return this.resend();
      }
      case 'reveal':
        return this.reveal(message.line);
      case 'saveSvg':
        return this.saveBeside('svg', 'SVG', 'Save the graph as SVG', new TextEncoder().encode(message.svg));
      case 'savePng':
        return this.saveBeside('png', 'PNG', 'Save the graph as PNG', Buffer.from(message.png, 'base64'));
    }
  }
}

export class GraphPanels extends NetworkPanels {
  constructor(extensionUri: vscode.Uri, client: LanguageClient) {
    super(extensionUri, client, {
      viewType: GRAPH_VIEW_TYPE,
      titlePrefix: 'Graph',
      what: 'graph',
      html: (webview, root, title) =>
        graphHtml({
          cspSource: webview.cspSource,
          scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'media', 'graph.js')).toString(),
          pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'page.css')).toString(),
          graphStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'graph.css')).toString(),
          title,
        }),
      create: (context) => new GraphPanel(context),
    });
  }
}
