/**
 * The graph webview: draws the Network the host posts (graphView.ts), highlights the cursor's line,
 * and exports the picture. The host owns the editor and the file system: the page asks it to
 * reveal a line and to save the SVG or PNG it makes.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { groupDigits } from '../../server/src/language/numbers';
import type { Network } from '../../server/src/language/network';
import type { GraphHostMessage, GraphWebviewMessage } from './graphProtocol';
import { exportSvg, resolvedPalette } from './graphSvg';
import { warmUpLayout } from './graphLayout';
import { mountGraphView } from './graphView';

interface VsCodeApi {
  postMessage(message: GraphWebviewMessage): void;
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

const saved = vscode.getState() as { collapsed?: string[] } | undefined;
const view = mountGraphView({
  container: byId('graph'),
  reveal: (line) => vscode.postMessage({ type: 'reveal', line }),
  collapsed: saved?.collapsed,
  onToggle: (collapsed) => vscode.setState({ collapsed }),
});

function show(state: 'graph' | 'message', message = ''): void {
  byId('graph').hidden = state !== 'graph';
  byId('summary').hidden = state !== 'graph';
  const status = byId('status');
  status.hidden = state !== 'message';
  status.textContent = message;
}

function summary(network: Network): string {
  const errors = network.diagnostics.filter((d) => d.severity === 'error').length;
  const problems = errors ? ` · ${errors} error${errors === 1 ? '' : 's'}` : '';
  const unresolved = network.unresolved?.length ? ` · ${network.unresolved.length} not worked out` : '';
  return `${network.layers.length} layers · ${groupDigits(network.totals.params)} parameters${problems}${unresolved}`;
}

/** The theme's colours as they are now, written into the exported file. */
function palette() {
  const style = getComputedStyle(document.documentElement);
  return resolvedPalette((variable) => style.getPropertyValue(variable));
}

/** Chromium draws no canvas larger than 16,384 pixels a side reliably (and a 1,000-layer network is taller). */
const MAX_CANVAS_SIDE = 16384;

async function pngOf(svg: string, width: number, height: number): Promise<string> {
  const scale = Math.min(2, MAX_CANVAS_SIDE / width, MAX_CANVAS_SIDE / height);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.floor(width * scale));
  canvas.height = Math.max(1, Math.floor(height * scale));
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this page cannot draw on a canvas');
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

const NOTICE_MS = 4000;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function notice(text: string): void {
  const element = byId('notice');
  element.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (element.textContent = ''), NOTICE_MS);
}

byId('save-svg').addEventListener('click', () => {
  const drawn = view.current();
  if (drawn) vscode.postMessage({ type: 'saveSvg', svg: exportSvg(drawn.layout, `Graph of ${drawn.title}`, palette()) });
});
byId('save-png').addEventListener('click', () => {
  const drawn = view.current();
  if (!drawn) return;
  const svg = exportSvg(drawn.layout, `Graph of ${drawn.title}`, palette());
  pngOf(svg, drawn.layout.width, drawn.layout.height).then(
    (png) => vscode.postMessage({ type: 'savePng', png }),
    (error: unknown) => notice(`Could not make the PNG: ${error instanceof Error ? error.message : String(error)}`),
  );
});

window.addEventListener('message', (event: MessageEvent<GraphHostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'network':
      byId('title').textContent = message.fileName;
      byId('summary').textContent = summary(message.network);
      show('graph');
      view.show(message.network, message.fileName).catch((error: unknown) => {
        show('message', `The graph could not be laid out: ${error instanceof Error ? error.message : String(error)}`);
      });
      break;
    case 'unavailable':
      byId('title').textContent = message.fileName;
      show('message', message.message);
      break;
    case 'cursor':
      view.highlightLine(message.line);
      break;
    case 'notice':
      notice(message.message);
      break;
  }
});

vscode.postMessage({ type: 'ready' });
// While the host asks the server for the network: the first layout then finds ELK compiled.
void warmUpLayout().catch(() => undefined);
