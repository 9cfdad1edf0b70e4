/**
 * Softmax with cross-entropy, mean over the batch. Returns the loss and writes the probabilities
 * and the gradient with respect to the logits, (p - onehot) / batch.
 */
export function softmaxCrossEntropy(
  logits: Float32Array, labels: Int32Array, batch: number, classes: number,
  probs: Float32Array, dlogits: Float32Array | undefined,
): number {
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) { const e = Math.exp(logits[o + k] - max); probs[o + k] = e; sum += e; }
    for (let k = 0; k < classes; k++) probs[o + k] /= sum;
    const label = labels[b];
    // log p computed from the logits, not from p, so a confident wrong answer gives a finite loss.
    loss -= logits[o + label] - max - Math.log(sum);
    if (dlogits) {
      for (let k = 0; k < classes; k++) dlogits[o + k] = (probs[o + k] - (k === label ? 1 : 0)) / batch;
    }
  }
  return loss / batch;
}
