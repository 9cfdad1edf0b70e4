/**
 * The messages between the graph webview and the extension host. The webview is sent the analysed
 * Network and the cursor's line; it asks the host to reveal a line and to save what it exports.
 */
import type { Network } from '../../server/src/language/network';

/** Host → webview. */
export type GraphHostMessage =
  | { type: 'network'; fileName: string; network: Network }
  | { type: 'unavailable'; fileName: string; message: string }
  /** The editor's cursor moved to this 1-based line: its nodes are highlighted. */
  | { type: 'cursor'; line: number }
  | { type: 'notice'; message: string };

/** Webview → host. */
export type GraphWebviewMessage =
  | { type: 'ready' }
  /** Show this 1-based line in the editor. */
  | { type: 'reveal'; line: number }
  | { type: 'saveSvg'; svg: string }
  /** The picture as a PNG file, base64. */
  | { type: 'savePng'; png: string };

/** Far more than a 5,000-layer network's picture; a bound on what a page can make the host write. */
export const MAX_EXPORT_CHARS = 256 * 1024 * 1024;

/** A webview is a web page: the host acts only on messages that have exactly one of these shapes. */
export function parseGraphMessage(data: unknown): GraphWebviewMessage | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const message = data as Record<string, unknown>;
  const keys = Object.keys(message);
  switch (message.type) {
    case 'ready':
      return keys.length === 1 ? { type: 'ready' } : undefined;
    case 'reveal': {
      const line = message.line;
      const valid = keys.length === 2 && typeof line === 'number' && Number.isSafeInteger(line) && line >= 1;
      return valid ? { type: 'reveal', line } : undefined;
    }
    case 'saveSvg': {
      const svg = message.svg;
      const valid = keys.length === 2 && typeof svg === 'string' && svg.length <= MAX_EXPORT_CHARS && /^(<\?xml[^>]*\?>\s*)?<svg[\s>]/.test(svg);
      return valid ? { type: 'saveSvg', svg } : undefined;
    }
    case 'savePng': {
      const png = message.png;
      const valid = keys.length === 2 && typeof png === 'string' && png.length <= MAX_EXPORT_CHARS && /^[A-Za-z0-9+/]+={0,2}$/.test(png);
      return valid ? { type: 'savePng', png } : undefined;
    }
    default:
      return undefined;
  }
}
