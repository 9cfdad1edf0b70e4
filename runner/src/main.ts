/**
 * cnn-runner: trains analysed networks for the extension and the CLI. JSON-RPC 2.0 over stdio
 * (never a network port); one job at a time, the rest queued; each job in a worker thread.
 */
import { isMainThread } from 'node:worker_threads';
import { workerMain } from './jobWorker';
import { startRunnerServer } from './server';

if (isMainThread) {
  startRunnerServer(__filename);
} else {
  void workerMain();
}
