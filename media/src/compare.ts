/**
 * "CNN: Compare with…"'s page script: puts the content the host sends into <main>. Setting the
 * webview's html again would reload the page and scroll it back to the top at every edit.
 */
import type { CompareHostMessage, CompareWebviewMessage } from './compareProtocol';

declare function acquireVsCodeApi(): { postMessage(message: CompareWebviewMessage): void };

const vscode = acquireVsCodeApi();
const main = document.querySelector('main');
window.addEventListener('message', (event: MessageEvent<CompareHostMessage>) => {
  if (event.data?.type === 'content' && main) main.innerHTML = event.data.html;
});
vscode.postMessage({ type: 'ready' });
