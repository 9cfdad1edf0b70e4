/**
 * The `training-memory` warning: the `train` statement's batch needs more memory than the trainer
 * may use. The limit is the caller's (the server's setting, or the runner's own: half this
 * machine's memory), so the analysis stays pure.
 */
import type { Analysis, AnalyzeOptions, Diagnostic } from './analyze';
import { toNetworkDiagnostic } from './analyze';
import { severityOf } from './diagnosticCodes';
import { spanToRange } from './syntax';
import { formatBytes, trainingMemory, trainingBatch } from './trainingMemory';

export function checkMemoryLimit(analysis: Analysis, options: AnalyzeOptions): Analysis {
  const limit = options.memoryLimit;
  const train = analysis.trainStatement;
  const network = analysis.network;
  const override = options.severity?.['training-memory'];
  if (!limit || !train || override === 'off' || !network.layers.length) return analysis;
  // Only a network the runner could take: a half-computed one would understate the need.
  if (analysis.diagnostics.some((d) => d.severity === 'error')) return analysis;
  const batch = trainingBatch(network);
  const memory = trainingMemory(network, { batch });
  if (memory.totals.total <= limit) return analysis;
  const pair = train.pairs.find((p) => p.key === 'batch');
  const fits = largestBatchWithin(network, limit, batch - 1);
  const advice = fits >= 1 ? `a batch of about ${fits} fits` : 'even one sample does not fit: make the network smaller';
  const diagnostic: Diagnostic = {
    range: spanToRange(pair ? pair.span : train.keywordSpan),
    severity: override ?? severityOf('training-memory'),
    code: 'training-memory',
    message: `Training at batch ${batch} needs about ${formatBytes(memory.totals.total)} (weights, gradients and optimiser state ${formatBytes(memory.totals.weights + memory.totals.gradients + memory.totals.optimizer)}, ` +
      `activations and their gradients ${formatBytes(memory.totals.activations + memory.totals.activationGradients + memory.totals.workspace)}), more than the ${formatBytes(limit)} the trainer may use; ${advice}`,
  };
  analysis.diagnostics.push(diagnostic);
  analysis.network.diagnostics.push(toNetworkDiagnostic(diagnostic));
  return analysis;
}

/** The largest batch up to `most` whose training memory is within the limit (0 if none): memory grows with the batch. */
function largestBatchWithin(network: Analysis['network'], limit: number, most: number): number {
  let low = 0, high = most;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (trainingMemory(network, { batch: mid }).totals.total <= limit) low = mid;
    else high = mid - 1;
  }
  return low;
}
