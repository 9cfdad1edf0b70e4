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
import { compareHtml, type ComparePageResources } from './compareHtml';
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
    const panel = vscode.window.createWebviewPanel('cnn.compare', `${other.label} ↔ ${baseName(document.uri)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: false, enableForms: false, enableCommandUris: false, localResourceRoots: [media],
    });
    const webview = panel.webview;
    const resources: ComparePageResources = {
      cspSource: webview.cspSource,
      pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'page.css')).toString(),
      tableStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'layerTable.css')).toString(),
      compareStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'compare.css')).toString(),
    };
    // The other side does not change while the panel is open: laid out once.
    const layoutBefore = layoutSide(before);
    let disposed = false;
    /** Counts draws, so a slow layout never replaces a newer page. */
    let generation = 0;
    let shown = '';
    const draw = async () => {
      const mine = ++generation;
      const after = analyzeText(document.getText()).network;
      const diff = diffNetworks(before, after, { labels: [other.label, baseName(document.uri)] });
      // The tables at once the first time; later the page is replaced once, when both are ready.
      if (mine === 1) webview.html = shown = compareHtml(diff, resources, { state: 'pending' });
      let page: string;
      try {
        const [a, b] = await Promise.all([layoutBefore, layoutSide(after)]);
        page = compareHtml(diff, resources, { state: 'drawn', a, b });
      } catch (error) {
        page = compareHtml(diff, resources, { state: 'failed', reason: error instanceof Error ? error.message : String(error) });
      }
      // Setting the same page again would reload it and lose its scroll position (an edit to a comment, a blank line).
      if (!disposed && mine === generation && page !== shown) webview.html = shown = page;
    };
    void draw();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changes = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document !== document) return;
      clearTimeout(timer);
      timer = setTimeout(() => void draw(), UPDATE_DELAY_MS);
    });
    panel.onDidDispose(() => { disposed = true; clearTimeout(timer); changes.dispose(); });
  }));
}
