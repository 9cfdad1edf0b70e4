/**
 * The requests and notifications the language server adds to LSP, defined once with their types: the server
 * registers them and the extension sends them (as vscode-eslint does in its shared folder).
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
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

/** The WebGPU adapter the training runner trains on, as its runner/info reported it. */
export interface TrainingAdapterParams {
  /** The adapter in words. */
  name: string;
  /** Its maxStorageBufferBindingSize, bytes. */
  maxStorageBufferBindingSize: number;
}

/**
 * From the extension, whenever the runner has said what it trains on: the adapter, or null when it
 * trains on the CPU. The server then warns (training-memory) where a buffer would not fit it.
 */
export const TrainingAdapterNotification = new NotificationType<TrainingAdapterParams | null>('cnn/trainingAdapter');
