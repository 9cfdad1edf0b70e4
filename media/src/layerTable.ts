/**
 * The layer-table webview: renders the Network the host posts, and forwards button presses and row
 * clicks to the host, which owns the clipboard, the file system and the editor.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostMessage, WebviewMessage } from './layerTableProtocol';
import { tableModel, type Cell, type TableModel } from './layerTableModel';

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

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function cell(tag: 'td' | 'th', c: Cell): HTMLTableCellElement {
  const classes = [c.numeric ? 'num' : '', c.muted ? 'muted' : ''].filter(Boolean).join(' ');
  const td = element(tag, classes || undefined, c.text);
  if (c.title) td.title = c.title;
  if (c.detail) td.append(element('span', 'detail', c.detail));
  return td;
}

function render(model: TableModel): void {
  byId('title').textContent = model.title;
  byId('summary').textContent =
    `${model.totals.params} parameters · ${model.totals.neurons} neurons ` +
    `(${model.totals.neuronsConvFc} in conv and fc layers) · ${model.totals.macs} multiply-adds`;

  const problems = byId<HTMLUListElement>('problems');
  problems.replaceChildren(
    ...model.otherProblems.map((p) => {
      const li = element('li', `problem ${p.severity}`, `Line ${p.line}: ${p.message}`);
      li.dataset.line = String(p.line);
      return li;
    }),
  );

  const head = element('tr');
  for (const column of model.columns) {
    const th = cell('th', { text: column.label, numeric: column.numeric, title: column.title });
    th.scope = 'col';
    if (column.label.length <= 2) th.classList.add('short');
    head.append(th);
  }
  byId('head').replaceChildren(head);

  byId('body').replaceChildren(
    ...model.rows.map((row) => {
      const tr = element('tr', row.severity);
      tr.dataset.line = String(row.line);
      tr.tabIndex = 0;
      row.cells.forEach((c, i) => tr.append(cell(i === 0 ? 'th' : 'td', c)));
      const first = tr.firstElementChild as HTMLTableCellElement;
      first.scope = 'row';
      if (row.problems.length) first.title = row.problems.join('\n');
      return tr;
    }),
  );

  const total = element('tr');
  const label = element('th', undefined, 'Total');
  label.scope = 'row';
  label.colSpan = 8;
  const neurons = cell('td', { text: model.totals.neurons, numeric: true, title: `${model.totals.neuronsConvFc} counting conv and fc layers only, as the AlexNet paper does` });
  total.append(label, neurons, element('td'), cell('td', { text: model.totals.params, numeric: true }));
  const convFc = element('tr', 'secondary');
  const convFcLabel = element('th', undefined, 'Neurons in conv and fc layers (as the AlexNet paper counts)');
  convFcLabel.scope = 'row';
  convFcLabel.colSpan = 8;
  convFc.append(convFcLabel, cell('td', { text: model.totals.neuronsConvFc, numeric: true }), element('td'), element('td'));
  byId('foot').replaceChildren(total, convFc);
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
