/** The server's `cnn/network` request, re-exported where the extension's code looks for it. */
export { NetworkRequest, type NetworkParams } from '../../server/src/lspProtocol';
