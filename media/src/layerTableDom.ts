/**
 * Draws a TableModel (the seed's spreadsheet with totals) into a page's table: the layer-table
 * panel and the training view both show the network this way.
 */
import type { Cell, TableModel } from './layerTableModel';

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
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

export interface LayerTableElements {
  summary: HTMLElement;
  problems: HTMLElement;
  head: HTMLElement;
  body: HTMLElement;
  foot: HTMLElement;
}

export function renderLayerTable(model: TableModel, at: LayerTableElements): void {
  at.summary.textContent =
    `${model.totals.params} parameters · ${model.totals.neurons} neurons ` +
    `(${model.totals.neuronsConvFc} in conv and fc layers) · ${model.totals.macs} multiply-adds`;
  at.problems.replaceChildren(
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
  at.head.replaceChildren(head);

  at.body.replaceChildren(
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

  // The totals sit under the neurons and parameters columns, the last three being neurons, filter + 1, params.
  const span = model.columns.length - 3;
  const total = element('tr');
  const label = element('th', undefined, 'Total');
  label.scope = 'row';
  label.colSpan = span;
  const neurons = cell('td', { text: model.totals.neurons, numeric: true, title: `${model.totals.neuronsConvFc} counting conv and fc layers only, as the AlexNet paper does` });
  total.append(label, neurons, element('td'), cell('td', { text: model.totals.params, numeric: true }));
  const convFc = element('tr', 'secondary');
  const convFcLabel = element('th', undefined, 'Neurons in conv and fc layers (as the AlexNet paper counts)');
  convFcLabel.scope = 'row';
  convFcLabel.colSpan = span;
  convFc.append(convFcLabel, cell('td', { text: model.totals.neuronsConvFc, numeric: true }), element('td'), element('td'));
  at.foot.replaceChildren(total, convFc);
}
