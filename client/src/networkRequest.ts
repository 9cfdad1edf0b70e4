/**
 * The custom LSP request that hands the client the analysed Network of an open document, so the
 * client never parses .cnn text itself. The server answers it with the same object
 * `cnn table --format json` prints.
 */
import { RequestType } from 'vscode-languageclient/node';
import type { Network } from '../../server/src/language/network';

export interface NetworkParams {
  /** The document's URI as the client sent it in didOpen. */
  uri: string;
}

/** null when the server has no open document with that URI. */
export const NetworkRequest = new RequestType<NetworkParams, Network | null, void>('cnn/network');
