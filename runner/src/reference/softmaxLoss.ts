/**
 * Softmax with cross-entropy, mean over the batch. Returns the loss and writes the probabilities
 * and the gradient with respect to the logits, (p - q) / batch. The target q is the one-hot label,
 * or with label smoothing ε (Szegedy et al. 2016, as PyTorch's CrossEntropyLoss(label_smoothing=ε))
 * 1 − ε on the label plus ε/C on every class, so the loss is (1 − ε)·(−log p_label) + ε/C·Σ_k (−log p_k).
 */
export function softmaxCrossEntropy(
  logits: Float32Array, labels: Int32Array, batch: number, classes: number,
  probs: Float32Array, dlogits: Float32Array | undefined, smoothing = 0,
): number {
  const spread = smoothing / classes;
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) { const e = Math.exp(logits[o + k] - max); probs[o + k] = e; sum += e; }
    for (let k = 0; k < classes; k++) probs[o + k] /= sum;
    const label = labels[b];
    const logSum = Math.log(sum);
    // log p computed from the logits, not from p, so a confident wrong answer gives a finite loss.
    if (smoothing === 0) loss -= logits[o + label] - max - logSum;
    else {
      let allLogP = 0;
      for (let k = 0; k < classes; k++) allLogP += logits[o + k] - max - logSum;
      loss -= (1 - smoothing) * (logits[o + label] - max - logSum) + spread * allLogP;
    }
    if (dlogits) {
      for (let k = 0; k < classes; k++) dlogits[o + k] = (probs[o + k] - (k === label ? 1 - smoothing : 0) - spread) / batch;
    }
  }
  return loss / batch;
}
