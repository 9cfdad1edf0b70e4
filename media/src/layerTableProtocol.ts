/**
 * The messages between the layer-table webview and the extension host. The webview never parses
 * .cnn text: it is sent the analysed Network and asks the host for everything with side effects.
 */
import type { Network } from '../../server/src/language/network';

/** Host → webview. */
export type HostMessage =
  | { type: 'network'; fileName: string; network: Network }
  | { type: 'unavailable'; fileName: string; message: string }
  | { type: 'notice'; message: string };

/** What the layer-table component itself posts, in the layer-table panel and the training view alike. */
export type LayerTableMessage =
  | { type: 'copyMarkdown' }
  | { type: 'saveCsv' }
  /** Show the layer's statement in the editor; 1-based, as the Network's lines are. */
  | { type: 'reveal'; line: number };

/** Webview → host. */
export type WebviewMessage = { type: 'ready' } | LayerTableMessage;

/**
 * A webview is a web page: whatever it posts is untrusted input, so the host acts only on messages
 * that have exactly one of these shapes.
 */
export function parseWebviewMessage(data: unknown): WebviewMessage | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const message = data as Record<string, unknown>;
  const keys = Object.keys(message);
  switch (message.type) {
    case 'ready':
    case 'copyMarkdown':
    case 'saveCsv':
      return keys.length === 1 ? { type: message.type } : undefined;
    case 'reveal': {
      const line = message.line;
      const valid = keys.length === 2 && typeof line === 'number' && Number.isSafeInteger(line) && line >= 1;
      return valid ? { type: 'reveal', line } : undefined;
    }
    default:
      return undefined;
  }
}
