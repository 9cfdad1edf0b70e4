/**
 * The requests the language server adds to LSP, defined once with their types: the server
 * registers them and the extension sends them (as vscode-eslint does in its shared folder).
 */
import { RequestType } from 'vscode-jsonrpc';
import type { Network } from './language/network';

export interface NetworkParams {
  /** The document's URI as the client sent it in didOpen. */
  uri: string;
}

/**
 * The analysed Network of an open document, so the client never parses .cnn text itself: the same
 * object `cnn table --format json` prints; null when the server has no open document with that URI.
 */
export const NetworkRequest = new RequestType<NetworkParams, Network | null, void>('cnn/network');
