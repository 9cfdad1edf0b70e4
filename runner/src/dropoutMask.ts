/**
 * Dropout keeps unit i of draw d when a 32-bit hash of (seed, d, i) is at or above rate * 2^32.
 * A counter-based hash instead of a sequential PRNG, so a GPU kernel computes the very same mask
 * in parallel (the WGSL twin is in webgpu/kernels.ts) and the backends agree bit for bit.
 */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> (((state >>> 28) + 4) >>> 0)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function dropoutKeepThreshold(rate: number): number {
  return Math.min(4294967295, Math.floor(rate * 4294967296));
}

export function dropoutKeeps(seed: number, draw: number, index: number, threshold: number): boolean {
  return pcgHash((index ^ pcgHash((seed ^ pcgHash(draw)) >>> 0)) >>> 0) >= threshold;
}
