/**
 * The layer-table webview: renders the Network the host posts, and forwards button presses and row
 * clicks to the host, which owns the clipboard, the file system and the editor.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostMessage, WebviewMessage } from './layerTableProtocol';
import { tableModel, type TableModel } from './layerTableModel';
import { mountLayerTable } from './layerTableDom';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** Which instances are open survives the panel being hidden and shown. */
const saved = vscode.getState() as { expanded?: string[] } | undefined;
const table = mountLayerTable({
  post: (message) => vscode.postMessage(message),
  expanded: saved?.expanded,
  onToggle: (expanded) => vscode.setState({ expanded }),
});

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

function render(model: TableModel): void {
  byId('title').textContent = model.title;
  table.render(model);
}

function show(state: 'table' | 'message', message = ''): void {
  byId('table-view').hidden = state !== 'table';
  const status = byId('status');
  status.hidden = state !== 'message';
  status.textContent = message;
}

/** Long enough to read "Saved layers.csv", short enough not to look like state. */
const NOTICE_MS = 4000;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'network':
      render(tableModel(message.network, message.fileName));
      show('table');
      break;
    case 'unavailable':
      byId('title').textContent = message.fileName;
      show('message', message.message);
      break;
    case 'notice': {
      const notice = byId('notice');
      notice.textContent = message.message;
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => (notice.textContent = ''), NOTICE_MS);
      break;
    }
  }
});

vscode.postMessage({ type: 'ready' });
