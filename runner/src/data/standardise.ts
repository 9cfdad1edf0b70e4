/**
 * Per-image standardisation (zero mean, unit variance), as TensorFlow's per_image_standardization:
 * brightness and contrast of a sample then carry no signal, and every network sees inputs of the
 * scale its init formulas assume.
 */
export function standardise(out: Float32Array, offset: number, n: number): void {
  let sum = 0, sum2 = 0;
  for (let i = offset; i < offset + n; i++) { sum += out[i]; sum2 += out[i] * out[i]; }
  const mean = sum / n;
  const std = Math.max(Math.sqrt(Math.max(0, sum2 / n - mean * mean)), 1 / Math.sqrt(n));
  for (let i = offset; i < offset + n; i++) out[i] = (out[i] - mean) / std;
}
