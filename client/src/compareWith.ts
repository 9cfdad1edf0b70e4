/**
 * "CNN: Compare with…": the active .cnn file against another file or against itself at git HEAD,
 * as the semantic diff's tables (networkDiff.ts, the same as `cnn diff`) and the two graphs with the
 * differences marked (compareGraphs.ts) in a webview beside it, redrawn as the file changes. The
 * other side is analysed here: the language library is pure.
 */
import * as vscode from 'vscode';
import { analyzeText } from '../../server/src/language/analyze';
import { diffNetworks } from '../../server/src/language/networkDiff';
import { layoutSide } from './compareGraphs';
import type { CompareHostMessage, CompareWebviewMessage } from '../../media/src/compareProtocol';
import { compareContentHtml, compareHtml, type ComparePageResources } from './compareHtml';
import { newNonce } from './layerTableHtml';
import { textAtHead } from './gitHead';

const UPDATE_DELAY_MS = 150;

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

async function otherSide(document: vscode.TextDocument): Promise<{ text: string; label: string } | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Another .cnn file…', id: 'file' },
      { label: `${baseName(document.uri)} at git HEAD`, id: 'head' },
    ],
    { title: `Compare ${baseName(document.uri)} with…` },
  );
  if (!picked) return undefined;
  if (picked.id === 'head') {
    if (document.uri.scheme !== 'file') {
      void vscode.window.showWarningMessage('Only a file saved on disk has a version at git HEAD.');
      return undefined;
    }
    const head = await textAtHead(document.uri.fsPath);
    if ('error' in head) {
      void vscode.window.showWarningMessage(head.error);
      return undefined;
    }
    return head;
  }
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'CNN files': ['cnn'] }, openLabel: 'Compare' })) ?? [];
  if (!uri) return undefined;
  return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), label: baseName(uri) };
}

export function registerCompareWith(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('cnn.compareWith', async (uri?: unknown) => {
    const editor = vscode.window.activeTextEditor;
    const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : editor?.document.languageId === 'cnn' ? editor.document : undefined;
    if (!document) {
      void vscode.window.showInformationMessage('Open a .cnn file to compare it.');
      return;
    }
    const other = await otherSide(document);
    if (!other) return;
    const before = analyzeText(other.text).network;
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const scripts = vscode.Uri.joinPath(context.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel('cnn.compare', `${other.label} ↔ ${baseName(document.uri)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, enableForms: false, enableCommandUris: false, localResourceRoots: [media, scripts],
    });
    const webview = panel.webview;
    const resources: ComparePageResources = {
      cspSource: webview.cspSource,
      pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'page.css')).toString(),
      tableStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'layerTable.css')).toString(),
      compareStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'compare.css')).toString(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(scripts, 'compare.js')).toString(),
      nonce: newNonce(),
    };
    // The other side does not change while the panel is open: laid out once.
    const layoutBefore = layoutSide(before);
    let disposed = false;
    /** Counts draws, so a slow layout never replaces newer content. */
    let generation = 0;
    /** The newest content, and what the page was last sent: an edit that changes nothing (a comment, a blank line) sends nothing. */
    let content = '';
    let sent = '';
    const send = () => {
      if (disposed || content === sent) return;
      sent = content;
      void webview.postMessage({ type: 'content', html: content } satisfies CompareHostMessage);
    };
    // The page asks when its script runs: the first time, and again when VS Code reloads a hidden panel as it is shown.
    const ready = webview.onDidReceiveMessage((message: CompareWebviewMessage) => {
      if (message?.type !== 'ready') return;
      sent = '';
      send();
    });
    const draw = async () => {
      const mine = ++generation;
      const after = analyzeText(document.getText()).network;
      const diff = diffNetworks(before, after, { labels: [other.label, baseName(document.uri)] });
      // The tables at once the first time; the graphs follow when both are laid out.
      if (mine === 1) {
        content = sent = compareContentHtml(diff, { state: 'pending' });
        webview.html = compareHtml(diff, resources, { state: 'pending' });
      }
      let next: string;
      try {
        const [a, b] = await Promise.all([layoutBefore, layoutSide(after)]);
        next = compareContentHtml(diff, { state: 'drawn', a, b });
      } catch (error) {
        next = compareContentHtml(diff, { state: 'failed', reason: error instanceof Error ? error.message : String(error) });
      }
      if (mine !== generation) return;
      content = next;
      send();
    };
    void draw();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changes = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document !== document) return;
      clearTimeout(timer);
      timer = setTimeout(() => void draw(), UPDATE_DELAY_MS);
    });
    panel.onDidDispose(() => { disposed = true; clearTimeout(timer); changes.dispose(); ready.dispose(); });
  }));
}
