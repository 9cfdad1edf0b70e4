/**
 * The layer-table component's script: draws a TableModel (the seed's spreadsheet with totals) into
 * the markup client/src/layerTableMarkup.ts writes, folds block instances (closed by default,
 * showing the instance's totals; open, its layers, nested), and turns clicks into messages for the
 * host. The layer-table panel and the training view both mount it.
 */
import type { Cell, Row, TableModel } from './layerTableModel';
import type { LayerTableMessage } from './layerTableProtocol';

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

function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from the page`);
  return e;
}

export interface LayerTableOptions {
  post(message: LayerTableMessage): void;
  /** Instances open when the page was last shown (the webview's saved state). */
  expanded?: readonly string[];
  /** Called when an instance is opened or closed, to save the state. */
  onToggle?(expanded: string[]): void;
}

export interface LayerTableView {
  render(model: TableModel): void;
  expanded(): string[];
}

/** Finds the component's elements by their ids, wires its listeners, and returns its renderer. */
export function mountLayerTable(options: LayerTableOptions): LayerTableView {
  const at: LayerTableElements = { summary: byId('summary'), problems: byId('problems'), head: byId('head'), body: byId('body'), foot: byId('foot') };
  const open = new Set(options.expanded ?? []);
  let shown: { row: Row; tr: HTMLTableRowElement }[] = [];

  const visible = (row: Row) => row.parents.every((p) => open.has(p));
  const refold = () => {
    for (const { row, tr } of shown) {
      tr.hidden = !visible(row);
      if (row.instance) {
        const isOpen = open.has(row.id);
        tr.setAttribute('aria-expanded', String(isOpen));
        tr.classList.toggle('open', isOpen);
        const toggle = tr.querySelector<HTMLButtonElement>('button.toggle');
        if (toggle) {
          toggle.setAttribute('aria-expanded', String(isOpen));
          toggle.title = `${isOpen ? 'Close' : 'Open'} ${row.id}`;
        }
      }
    }
  };
  const setOpen = (id: string, value: boolean) => {
    if (open.has(id) === value) return;
    if (value) open.add(id);
    else open.delete(id);
    refold();
    options.onToggle?.([...open]);
  };
  const rowOf = (target: EventTarget | null) => {
    const tr = (target as HTMLElement | null)?.closest<HTMLTableRowElement>('tr');
    return shown.find((s) => s.tr === tr);
  };
  const reveal = (target: EventTarget | null) => {
    const line = (target as HTMLElement | null)?.closest<HTMLElement>('[data-line]')?.dataset.line;
    if (line) options.post({ type: 'reveal', line: Number(line) });
  };

  at.body.addEventListener('click', (e) => {
    const toggle = (e.target as HTMLElement | null)?.closest('button.toggle');
    const hit = rowOf(e.target);
    if (toggle && hit) {
      setOpen(hit.row.id, !open.has(hit.row.id));
      return;
    }
    reveal(e.target);
  });
  at.body.addEventListener('keydown', (e) => {
    const hit = rowOf(e.target);
    if (e.key === 'Enter' && !(e.target as HTMLElement).closest('button')) {
      reveal(e.target);
      return;
    }
    if (!hit) return;
    if (e.key === 'ArrowRight' && hit.row.instance) {
      setOpen(hit.row.id, true);
      e.preventDefault();
    } else if (e.key === 'ArrowLeft') {
      // Closes an open instance, or moves to the instance holding the row.
      if (hit.row.instance && open.has(hit.row.id)) setOpen(hit.row.id, false);
      else shown.find((s) => s.row.id === hit.row.parents.at(-1))?.tr.focus();
      e.preventDefault();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const rows = shown.filter((s) => !s.tr.hidden);
      const next = rows[rows.findIndex((s) => s === hit) + (e.key === 'ArrowDown' ? 1 : -1)];
      next?.tr.focus();
      if (next) e.preventDefault();
    }
  });
  at.problems.addEventListener('click', (e) => reveal(e.target));
  document.getElementById('copy-markdown')?.addEventListener('click', () => options.post({ type: 'copyMarkdown' }));
  document.getElementById('save-csv')?.addEventListener('click', () => options.post({ type: 'saveCsv' }));

  return {
    expanded: () => [...open],
    render(model: TableModel) {
      renderFrame(model, at);
      // Open instances stay open across analyses, even one that loses them for a keystroke.
      shown = model.rows.map((row) => ({ row, tr: rowElement(row) }));
      at.body.replaceChildren(...shown.map((s) => s.tr));
      refold();
    },
  };
}

/** A row's cells, the first its header (the name or label): returns that header. */
function appendCells(tr: HTMLTableRowElement, cells: Cell[]): HTMLTableCellElement {
  cells.forEach((c, i) => tr.append(cell(i === 0 ? 'th' : 'td', c)));
  const first = tr.firstElementChild as HTMLTableCellElement;
  first.scope = 'row';
  return first;
}

function rowElement(row: Row): HTMLTableRowElement {
  const classes = [row.severity ?? '', row.instance ? 'instance' : '', row.innerSeverity ? `inner-${row.innerSeverity}` : ''];
  const tr = element('tr', classes.filter(Boolean).join(' ') || undefined);
  tr.dataset.line = String(row.line);
  tr.dataset.id = row.id;
  tr.dataset.depth = String(row.depth);
  tr.setAttribute('aria-level', String(row.depth + 1));
  tr.tabIndex = 0;
  const first = appendCells(tr, row.cells);
  // CSSOM, which the page's Content-Security-Policy allows (a style attribute it would not).
  first.style.setProperty('--depth', String(row.depth));
  if (row.instance) {
    const toggle = element('button', 'toggle');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-label', `Open or close ${row.id}`);
    first.prepend(toggle);
  } else if (row.depth > 0) {
    first.prepend(element('span', 'toggle-space'));
  }
  if (row.problems.length) first.title = row.problems.join('\n');
  return tr;
}

/** The summary line, problems, header and totals: everything but the rows. */
function renderFrame(model: TableModel, at: LayerTableElements): void {
  at.summary.textContent =
    `${model.totals.params} parameters · ${model.totals.neurons} neurons ` +
    `(${model.totals.neuronsConvFc} in conv and fc layers) · ${model.totals.macs} multiply-adds · ` +
    `training memory ${model.totals.memory} at batch ${model.batch}`;
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

  at.foot.replaceChildren(
    ...model.foot.map((row) => {
      const tr = element('tr', row.secondary ? 'secondary' : undefined);
      appendCells(tr, row.cells);
      return tr;
    }),
  );
}
