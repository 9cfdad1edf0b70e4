/**
 * "CNN: Show layer table": the seed's spreadsheet for a .cnn document in a webview beside it,
 * re-requested from the language server as the document changes (networkPanel.ts). The webview
 * only displays; the clipboard, the save dialog and the editor are reached from here, on typed
 * messages.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { exportedTable } from '../../media/src/layerTableModel';
import { parseWebviewMessage, type WebviewMessage } from '../../media/src/layerTableProtocol';
import { layerTableHtml } from './layerTableHtml';
import { NetworkPanel, NetworkPanels, type PanelContext } from './networkPanel';

export const LAYER_TABLE_VIEW_TYPE = 'cnn.layerTable';

class LayerTablePanel extends NetworkPanel {
  constructor(context: PanelContext) {
    super(context, 'table');
  }

  protected receive(data: unknown): void {
    const message = parseWebviewMessage(data);
    if (message) void this.handle(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.resend();
      case 'copyMarkdown':
        if (!this.network) return;
        await vscode.env.clipboard.writeText(exportedTable(this.network, 'markdown'));
        this.postNetworkMessage({ type: 'notice', message: 'Copied' });
        return;
      case 'saveCsv':
        if (!this.network) return;
        return this.saveBeside('csv', 'CSV', 'Save layer table as CSV', new TextEncoder().encode(exportedTable(this.network, 'csv')));
      case 'reveal':
        return this.reveal(message.line);
    }
  }
}

export class LayerTablePanels extends NetworkPanels {
  constructor(extensionUri: vscode.Uri, client: LanguageClient) {
    super(extensionUri, client, {
      viewType: LAYER_TABLE_VIEW_TYPE,
      titlePrefix: 'Layers',
      what: 'layer table',
      html: (webview, root, title) =>
        layerTableHtml({
          cspSource: webview.cspSource,
          scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'media', 'layerTable.js')).toString(),
          pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'page.css')).toString(),
          tableStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'layerTable.css')).toString(),
          title,
        }),
      create: (context) => new LayerTablePanel(context),
    });
  }
}
