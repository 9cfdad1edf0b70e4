/**
 * The training view's evaluation section: the latest epoch's confusion matrix as a heat table (each
 * cell shaded by its share of the true class's images, the diagonal in one colour and mistakes in
 * another), the per-class error beside it, the gallery of the most confident mistakes with their
 * labels, and the first layer's filters.
 */
import type { EvaluationView } from './trainProtocol';

/** Each cell's share of its row (the true class's validation images); 0 for an empty row. */
export function rowShares(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? v / total : 0));
  });
}

/** "7 → 2 · 93 %" under a misclassified image. */
export function mistakeCaption(m: EvaluationView['mistakes'][number]): string {
  return `true ${m.trueClass} → ${m.predictedClass} · ${Math.round(100 * m.confidence)} %`;
}

export function classErrorText(c: EvaluationView['perClass'][number]): string {
  return c.error === null ? 'no images' : `${(100 * c.error).toFixed(1)} % (${c.wrong}/${c.images})`;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function heatTable(view: EvaluationView): HTMLTableElement {
  const shares = rowShares(view.matrix);
  const table = element('table', undefined, 'confusion');
  table.id = 'confusion-table';
  const caption = element('caption', `Rows: true class; columns: predicted class (validation images, epoch ${view.epoch})`);
  const head = element('tr');
  head.append(element('th', 'true \\ predicted'), ...view.classes.map((c) => element('th', c)), element('th', 'error'));
  const rows = view.matrix.map((row, k) => {
    const tr = element('tr');
    tr.append(element('th', view.classes[k]));
    row.forEach((count, j) => {
      const td = element('td', String(count), j === k ? 'hit' : count > 0 ? 'miss' : '');
      // The shade carries the share; the number stays readable on it.
      td.style.setProperty('--share', `${Math.round(100 * shares[k][j])}%`);
      td.title = `${count} of ${view.classes[k]}'s images predicted ${view.classes[j]} (${(100 * shares[k][j]).toFixed(1)} %)`;
      tr.append(td);
    });
    tr.append(element('td', classErrorText(view.perClass[k]), 'class-error'));
    return tr;
  });
  const thead = element('thead');
  thead.append(head);
  const tbody = element('tbody');
  tbody.append(...rows);
  table.append(caption, thead, tbody);
  return table;
}

function gallery(view: EvaluationView): HTMLElement {
  const grid = element('div', undefined, 'gallery');
  grid.id = 'mistakes';
  grid.append(...view.mistakes.map((m) => {
    const figure = element('figure');
    const img = element('img');
    img.src = m.src;
    img.alt = mistakeCaption(m);
    figure.append(img, element('figcaption', mistakeCaption(m)));
    return figure;
  }));
  return grid;
}

/** What the section shows now: the page renders the run every frame while it trains, the pictures only when they change. */
let shown: EvaluationView | undefined | null = null;

/** Fills the section; hides it while the run has no evaluation. */
export function renderEvaluation(section: HTMLElement, view: EvaluationView | undefined): void {
  if (view === shown) return;
  shown = view;
  section.hidden = !view;
  const body = section.querySelector('#evaluation-body');
  if (!view || !body) return;
  const parts: HTMLElement[] = [heatTable(view)];
  parts.push(element('h3', `Misclassified validation images: the ${view.mistakes.length} most confident of ${view.wrong}`));
  if (view.mistakes.length) parts.push(gallery(view));
  else parts.push(element('p', 'None: every validation image is right.', 'note'));
  if (view.filters) {
    parts.push(element('h3', 'First layer\'s filters (each normalised on its own)'));
    const img = element('img', undefined, 'filters');
    img.id = 'filters';
    img.src = view.filters;
    img.alt = 'the first convolution layer\'s learned filters';
    parts.push(img);
  }
  const scroll = element('div', undefined, 'scroll');
  scroll.append(parts[0]);
  body.replaceChildren(scroll, ...parts.slice(1));
}
