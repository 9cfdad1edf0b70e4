/**
 * The `training-memory` warning: the `train` statement's batch needs more memory than the trainer
 * may use, or a buffer larger than the WebGPU adapter training runs on can bind. The limits are the
 * caller's (the server's setting, or the runner's own: half this machine's memory; the adapter the
 * runner reported), so the analysis stays pure.
 */
import type { Analysis, AnalyzeOptions, Diagnostic, TrainingAdapter } from './analyze';
import { toNetworkDiagnostic } from './analyze';
import { severityOf } from './diagnosticCodes';
import type { Network } from './network';
import { spanToRange } from './syntax';
import { formatBytes, trainingMemory, trainingBatch } from './trainingMemory';

export function checkMemoryLimit(analysis: Analysis, options: AnalyzeOptions): Analysis {
  const train = analysis.trainStatement;
  const network = analysis.network;
  const override = options.severity?.['training-memory'];
  if ((!options.memoryLimit && !options.adapter) || !train || override === 'off' || !network.layers.length) return analysis;
  // Only a network the runner could take: a half-computed one would understate the need.
  if (analysis.diagnostics.some((d) => d.severity === 'error')) return analysis;
  const batch = trainingBatch(network);
  const message = hostMessage(network, batch, options.memoryLimit) ?? adapterMessage(network, batch, options.adapter);
  if (!message) return analysis;
  const pair = train.pairs.find((p) => p.key === 'batch');
  const diagnostic: Diagnostic = {
    range: spanToRange(pair ? pair.span : train.keywordSpan),
    severity: override ?? severityOf('training-memory'),
    code: 'training-memory',
    message,
  };
  analysis.diagnostics.push(diagnostic);
  analysis.network.diagnostics.push(toNetworkDiagnostic(diagnostic));
  return analysis;
}

/** The whole training memory against what the trainer may use. */
function hostMessage(network: Network, batch: number, limit: number | undefined): string | undefined {
  if (!limit) return undefined;
  const memory = trainingMemory(network, { batch });
  if (memory.totals.total <= limit) return undefined;
  const fits = largestBatchWithin(batch - 1, (b) => trainingMemory(network, { batch: b }).totals.total <= limit);
  const advice = fits >= 1 ? `a batch of about ${fits} fits` : 'even one sample does not fit: make the network smaller';
  return `Training at batch ${batch} needs about ${formatBytes(memory.totals.total)} (weights, gradients and optimiser state ${formatBytes(memory.totals.weights + memory.totals.gradients + memory.totals.optimizer)}, ` +
    `activations and their gradients ${formatBytes(memory.totals.activations + memory.totals.activationGradients + memory.totals.workspace)}), more than the ${formatBytes(limit)} the trainer may use; ${advice}`;
}

/** The largest single buffer against the adapter's limit on one binding: the runner refuses such a job on WebGPU. */
function adapterMessage(network: Network, batch: number, adapter: TrainingAdapter | undefined): string | undefined {
  if (!adapter) return undefined;
  let largest: { name: string; bytes: number };
  try {
    largest = adapter.largestBuffer(network, batch);
  } catch {
    // A network the runner cannot plan is refused for that reason, which the analysis reports.
    return undefined;
  }
  if (largest.bytes <= adapter.maxBufferBytes) return undefined;
  const fits = largestBatchWithin(batch - 1, (b) => adapter.largestBuffer(network, b).bytes <= adapter.maxBufferBytes);
  // A weight tensor does not shrink with the batch.
  const advice = fits >= 1 ? `a batch of ${fits} fits` : 'no batch fits: make that layer smaller, or train on the cpu backend';
  return `Training at batch ${batch} on the WebGPU adapter (${adapter.name}) needs one buffer of ${formatBytes(largest.bytes)} (${largest.name}), ` +
    `more than the ${formatBytes(adapter.maxBufferBytes)} the adapter can bind at once (maxStorageBufferBindingSize); ${advice}`;
}

/** The largest batch up to `most` that `fits` (0 if none): memory grows with the batch. */
function largestBatchWithin(most: number, fits: (batch: number) => boolean): number {
  let low = 0, high = most;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
