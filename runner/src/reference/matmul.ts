/**
 * The three products a weighted layer needs, on row-major Float32Arrays with explicit leading
 * dimensions (so a group's slice of channels can be addressed in place). Every inner loop walks
 * memory contiguously; the forward product computes four outputs per pass over a row of A so each
 * loaded A value is used four times.
 */

/** C[m, n] = (accumulate ? C : 0) + sum_k A[m, k] * B[n, k]. */
export function matmulABt(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  for (let m = 0; m < M; m++) {
    const a = aOff + m * lda;
    const c = cOff + m * ldc;
    let n = 0;
    for (; n + 3 < N; n += 4) {
      const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = A[a + k];
        s0 += av * B[b0 + k];
        s1 += av * B[b1 + k];
        s2 += av * B[b2 + k];
        s3 += av * B[b3 + k];
      }
      if (accumulate) {
        C[c + n] += s0; C[c + n + 1] += s1; C[c + n + 2] += s2; C[c + n + 3] += s3;
      } else {
        C[c + n] = s0; C[c + n + 1] = s1; C[c + n + 2] = s2; C[c + n + 3] = s3;
      }
    }
    for (; n < N; n++) {
      const b0 = bOff + n * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k] * B[b0 + k];
      C[c + n] = accumulate ? C[c + n] + s : s;
    }
  }
}

/** G[n, k] += sum_m D[m, n] * A[m, k]  (weight gradient: D is dY, A the inputs). */
export function matmulAtBAccumulate(
  M: number, N: number, K: number,
  D: Float32Array, dOff: number, ldd: number,
  A: Float32Array, aOff: number, lda: number,
  G: Float32Array, gOff: number, ldg: number,
): void {
  for (let m = 0; m < M; m++) {
    const d = dOff + m * ldd;
    const a = aOff + m * lda;
    for (let n = 0; n < N; n++) {
      const dv = D[d + n];
      if (dv === 0) continue; // ReLU zeroes many gradients
      const g = gOff + n * ldg;
      for (let k = 0; k < K; k++) G[g + k] += dv * A[a + k];
    }
  }
}

/** X[m, k] = sum_n D[m, n] * W[n, k]  (input gradient). */
export function matmulAB(
  M: number, N: number, K: number,
  D: Float32Array, dOff: number, ldd: number,
  W: Float32Array, wOff: number, ldw: number,
  X: Float32Array, xOff: number, ldx: number,
): void {
  for (let m = 0; m < M; m++) {
    const x = xOff + m * ldx;
    X.fill(0, x, x + K);
    const d = dOff + m * ldd;
    for (let n = 0; n < N; n++) {
      const dv = D[d + n];
      if (dv === 0) continue;
      const w = wOff + n * ldw;
      for (let k = 0; k < K; k++) X[x + k] += dv * W[w + k];
    }
  }
}
