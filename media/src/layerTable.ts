/**
 * The layer-table webview: renders the Network the host posts, and forwards button presses and row
 * clicks to the host, which owns the clipboard, the file system and the editor.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostMessage, WebviewMessage } from './layerTableProtocol';
import { tableModel, type TableModel } from './layerTableModel';
import { renderLayerTable } from './layerTableDom';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

function render(model: TableModel): void {
  byId('title').textContent = model.title;
  renderLayerTable(model, { summary: byId('summary'), problems: byId('problems'), head: byId('head'), body: byId('body'), foot: byId('foot') });
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

function revealFrom(target: EventTarget | null): void {
  const line = (target as HTMLElement | null)?.closest<HTMLElement>('[data-line]')?.dataset.line;
  if (line) vscode.postMessage({ type: 'reveal', line: Number(line) });
}

byId('body').addEventListener('click', (e) => revealFrom(e.target));
byId('body').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') revealFrom(e.target);
});
byId('problems').addEventListener('click', (e) => revealFrom(e.target));
byId('copy-markdown').addEventListener('click', () => vscode.postMessage({ type: 'copyMarkdown' }));
byId('save-csv').addEventListener('click', () => vscode.postMessage({ type: 'saveCsv' }));

vscode.postMessage({ type: 'ready' });
