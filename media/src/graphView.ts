/**
 * The graph view's picture in the page: lays out and draws the Network the host posts, keeps the
 * focused node and the open or closed blocks across redraws, highlights the nodes of the cursor's
 * line, and turns clicks and keys into reveals and folds. Keys: Tab and Shift+Tab go through the
 * nodes in reading order, ArrowDown / ArrowUp follow an edge to a layer it feeds / reads,
 * ArrowRight / ArrowLeft go to the next / previous node, Home / End to the first / last, Enter
 * reveals the line, Space opens or closes the block.
 */
import type { Network } from '../../server/src/language/network';
import { graphModel } from './graphModel';
import { layoutGraph, type GraphLayout } from './graphLayout';
import { graphCss, renderGraphSvg, themePalette } from './graphSvg';

export interface GraphViewOptions {
  container: HTMLElement;
  reveal(line: number): void;
  /** Blocks closed when the page was last shown (the webview's saved state). */
  collapsed?: readonly string[];
  onToggle?(collapsed: string[]): void;
}

export interface GraphView {
  show(network: Network, title: string): Promise<void>;
  highlightLine(line: number | undefined): void;
  /** The picture last drawn, for the exports. */
  current(): { layout: GraphLayout; title: string } | undefined;
}

export function mountGraphView(options: GraphViewOptions): GraphView {
  const { container } = options;
  const sheet = new CSSStyleSheet();
  // A constructed stylesheet: the page's CSP allows no inline <style>, and its values are the theme's variables.
  sheet.replaceSync(graphCss(themePalette()));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

  const collapsed = new Set(options.collapsed ?? []);
  let network: Network | undefined;
  let title = '';
  let drawn: { layout: GraphLayout; title: string } | undefined;
  let drawnKey: string | undefined;
  let cursorLine: number | undefined;
  /** Counts draws so a slow layout never replaces a newer one. */
  let generation = 0;

  const nodes = () => Array.from(container.querySelectorAll<SVGGElement>('g.node'));
  const nodeById = (id: string) => nodes().find((n) => n.dataset.id === id);

  async function draw(): Promise<void> {
    if (!network) return;
    const mine = ++generation;
    const model = graphModel(network, collapsed);
    // Typing in a comment, or a value that changes nothing drawn, leaves the picture as it is.
    const key = JSON.stringify([title, model]);
    if (key === drawnKey) return;
    const layout = await layoutGraph(model);
    if (mine !== generation) return;
    const focused = (document.activeElement as SVGElement | null)?.closest?.('g.node, g.group');
    const focusedId = focused instanceof SVGGElement ? focused.dataset.id : undefined;
    const focusedToggle = focused?.classList.contains('group') ?? false;
    // The markup is built from the Network by graphSvg.ts, every name and message escaped there.
    container.innerHTML = renderGraphSvg(layout, { title: `Graph of ${title}` });
    drawn = { layout, title };
    drawnKey = key;
    highlight();
    if (focusedId !== undefined) {
      const again = focusedToggle
        ? container.querySelector<SVGGElement>(`g.group[data-id="${CSS.escape(focusedId)}"] .toggle`)
        : (nodeById(focusedId) ?? null);
      again?.focus({ preventScroll: true });
    }
  }

  function highlight(): void {
    for (const e of container.querySelectorAll('.current')) e.classList.remove('current');
    if (cursorLine === undefined) return;
    const hits = container.querySelectorAll<SVGGElement>(`g.node[data-line="${cursorLine}"], g.group[data-line="${cursorLine}"]`);
    for (const e of hits) e.classList.add('current');
    const first = Array.from(hits).find((e) => e.classList.contains('node')) ?? hits[0];
    if (first && !container.contains(document.activeElement)) scrollIntoViewIfNeeded(first);
  }

  function scrollIntoViewIfNeeded(element: Element): void {
    const box = element.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth) {
      element.scrollIntoView({ block: 'center', inline: 'center' });
    }
  }

  function toggle(id: string): void {
    if (collapsed.has(id)) collapsed.delete(id);
    else collapsed.add(id);
    options.onToggle?.([...collapsed]);
    void draw().then(() => {
      // Keep the keyboard where it was: on the closed block's node, or on the opened block's title.
      const target = collapsed.has(id) ? nodeById(id) : container.querySelector<SVGGElement>(`g.group[data-id="${CSS.escape(id)}"] .toggle`);
      target?.focus();
    });
  }

  function neighbour(from: SVGGElement, key: string): SVGGElement | undefined {
    const all = nodes();
    const id = from.dataset.id!;
    const index = all.indexOf(from);
    const edgeEnd = (direction: 'source' | 'target') => {
      const other = direction === 'source' ? 'target' : 'source';
      const edge = Array.from(container.querySelectorAll<SVGGElement>('g.edge')).find((e) => e.getAttribute(`data-${direction}`) === id);
      return edge ? all.find((n) => n.dataset.id === edge.getAttribute(`data-${other}`)) : undefined;
    };
    switch (key) {
      case 'ArrowDown':
        return edgeEnd('source');
      case 'ArrowUp':
        return edgeEnd('target');
      case 'ArrowRight':
        return all[index + 1];
      case 'ArrowLeft':
        return all[index - 1];
      case 'Home':
        return all[0];
      case 'End':
        return all[all.length - 1];
      default:
        return undefined;
    }
  }

  container.addEventListener('click', (event) => {
    const target = event.target as Element;
    const groupToggle = target.closest('g.group .toggle');
    if (groupToggle) {
      toggle((groupToggle.closest('g.group') as SVGGElement).dataset.id!);
      return;
    }
    const node = target.closest<SVGGElement>('g.node');
    if (!node) return;
    node.focus({ preventScroll: true });
    if (node.dataset.line) options.reveal(Number(node.dataset.line));
  });
  container.addEventListener('dblclick', (event) => {
    const node = (event.target as Element).closest<SVGGElement>('g.node.collapsed');
    if (node) toggle(node.dataset.id!);
  });
  container.addEventListener('keydown', (event) => {
    const target = event.target as Element;
    const groupToggle = target.closest('g.group .toggle');
    if (groupToggle && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      toggle((groupToggle.closest('g.group') as SVGGElement).dataset.id!);
      return;
    }
    const node = target.closest<SVGGElement>('g.node');
    if (!node) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      if (node.dataset.line) options.reveal(Number(node.dataset.line));
      return;
    }
    if (event.key === ' ') {
      event.preventDefault();
      // Space on a node closes the innermost block it is in, or opens the closed block it is.
      const id = node.classList.contains('collapsed') ? node.dataset.id : [...(network?.layers ?? []), ...(network?.unresolved ?? [])].find((l) => l.name === node.dataset.id)?.block;
      if (id) toggle(id);
      return;
    }
    const next = neighbour(node, event.key);
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  return {
    async show(next, name) {
      network = next;
      title = name;
      // Blocks that no longer exist are forgotten, so a renamed block does not stay closed for ever.
      const names = new Set((next.instances ?? []).map((i) => i.name));
      for (const id of [...collapsed]) if (!names.has(id)) collapsed.delete(id);
      await draw();
    },
    highlightLine(line) {
      cursorLine = line;
      highlight();
    },
    current: () => drawn,
  };
}
