/**
 * The cpu backend's kernels: OpenBLAS's sgemm and the helpers around it from the native addon
 * (build/cpu_kernels.node, built at install by scripts/build-native.mjs), or, when it is not there,
 * the same functions in TypeScript (one thread, reference speed), so the backend always runs and
 * says which it uses. All work in place on Float32Arrays with element offsets; none allocates.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';

export interface CpuKernels {
  /** 'openblas' (native) or 'typescript' (the portable fallback). */
  readonly kind: 'openblas' | 'typescript';
  /** In words, for the backend announcement. */
  readonly description: string;
  /** Row-major C = alpha op(A) op(B) + beta C; op transposes when the flag is 1. */
  sgemm(transA: 0 | 1, transB: 0 | 1, M: number, N: number, K: number, alpha: number,
    A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
    beta: number, C: Float32Array, cOff: number, ldc: number): void;
  /** Rows of cols, one per output position of samples b0..b0+samples-1, each (ky, kx, c) over the group's Cg channels. */
  im2col(x: Float32Array, b0: number, samples: number, group: number, cols: Float32Array, ...g: Geometry): void;
  /** Adds each row of cols back onto the input positions it was read from. */
  col2im(cols: Float32Array, b0: number, samples: number, group: number, dx: Float32Array, ...g: Geometry): void;
  /** y[r, f] += bias[f] (when given), then ReLU when relu is 1. */
  biasAct(y: Float32Array, rows: number, F: number, bias: Float32Array | null, relu: 0 | 1): void;
  /** out[f] = sum over rows of x[r, f]. */
  sumRows(x: Float32Array, rows: number, F: number, out: Float32Array): void;
  /** dx = y > 0 ? dy : 0 over n values. */
  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** Native only (the fallback uses the reference backend's pooling and optimiser). */
  extras?: NativeExtras;
}

/** H, W, C, kh, kw, sh, sw, ph, pw, Ho, Wo. */
export type PoolGeometry = [number, number, number, number, number, number, number, number, number, number, number];

export interface NativeExtras {
  maxpoolForward(x: Float32Array, y: Float32Array, argmax: Int32Array, batch: number, ...g: PoolGeometry): void;
  maxpoolBackward(dy: Float32Array, argmax: Int32Array, n: number, dx: Float32Array): void;
  avgpoolForward(x: Float32Array, y: Float32Array, batch: number, ...g: PoolGeometry): void;
  avgpoolBackward(dy: Float32Array, dx: Float32Array, batch: number, ...g: PoolGeometry): void;
  sgd(w: Float32Array, g: Float32Array, m: Float32Array, lr: number, momentum: number, decay: number): void;
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, epsilon: number, decay: number, c1: number, c2: number): void;
}

/** H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo. */
export type Geometry = [number, number, number, number, number, number, number, number, number, number, number, number];

interface NativeModule extends Omit<CpuKernels, 'kind' | 'description' | 'extras'>, NativeExtras {
  setThreads(n: number): number;
  config(): string;
}

export const NATIVE_FILE = 'cpu_kernels.node';

/** Where the addon may be: beside the bundle's folder (dist/../build), or the repository's build/ from the sources. */
function candidates(): string[] {
  const list: string[] = [];
  if (process.env.CNN_CPU_KERNELS) list.push(process.env.CNN_CPU_KERNELS);
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    list.push(join(dir, 'build', NATIVE_FILE));
    dir = dirname(dir);
  }
  return list;
}

let loaded: { kernels: CpuKernels; native: boolean; reason: string } | undefined;

/**
 * The native kernels when the addon loads, else the TypeScript ones with the reason. OpenBLAS and
 * the addon's helpers get one thread per core (OPENBLAS_NUM_THREADS, when set, wins).
 */
export function cpuKernels(): { kernels: CpuKernels; native: boolean; reason: string } {
  if (loaded) return loaded;
  let reason = `the native kernels (build/${NATIVE_FILE}) are not built: install a C compiler and OpenBLAS (Debian: gcc libopenblas-dev) and run npm run build`;
  for (const path of candidates()) {
    if (!existsSync(path)) continue;
    try {
      const native = withQuietOpenBlasThreads(() => createRequire(__filename)(path) as NativeModule);
      const threads = native.setThreads(Number(process.env.OPENBLAS_NUM_THREADS) || cores());
      const config = native.config().split(' ');
      const description = `${config[0]} ${config[1]} sgemm, ${threads} thread${threads === 1 ? '' : 's'}, ${config.find((w) => /^(Haswell|SkylakeX|Zen|Sandybridge|Cooperlake|Neoverse|ARMV8|Prescott|Nehalem|Core2|Atom|Excavator|Bulldozer|Piledriver|Steamroller|Sapphire)/i.test(w)) ?? 'generic'} kernels`;
      loaded = { kernels: { ...native, kind: 'openblas', description, extras: native }, native: true, reason: '' };
      return loaded;
    } catch (error) {
      reason = `the native kernels at ${path} did not load: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  loaded = { kernels: typescriptKernels, native: false, reason };
  return loaded;
}

/**
 * OpenBLAS's idle threads spin (yielding) for 2^28 cycles, about 0.1 s, after each product, so
 * between products they hold the cores the addon's threaded helpers (im2col, col2im, pooling) run
 * on: on 2 cores those helpers ran no faster on two threads than on one. 2^16 cycles (tens of
 * microseconds) lets them sleep as soon as a helper starts. OpenBLAS reads the variable once, when it
 * loads, so it is set around the addon's loading only (a value the user set wins).
 */
export const OPENBLAS_THREAD_TIMEOUT = '16';

function withQuietOpenBlasThreads<T>(load: () => T): T {
  if (process.env.OPENBLAS_THREAD_TIMEOUT !== undefined) return load();
  process.env.OPENBLAS_THREAD_TIMEOUT = OPENBLAS_THREAD_TIMEOUT;
  try {
    return load();
  } finally {
    delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
}

export function cores(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/** The portable fallback: the same contracts in TypeScript, one thread. */
export const typescriptKernels: CpuKernels = {
  kind: 'typescript',
  description: 'TypeScript kernels, one thread (the native OpenBLAS kernels are not built)',
  sgemm(ta, tb, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) {
    for (let m = 0; m < M; m++) {
      const c = cOff + m * ldc;
      for (let n = 0; n < N; n++) C[c + n] = beta === 0 ? 0 : beta * C[c + n];
    }
    if (!tb) {
      // C[m, :] += alpha A(m, k) B[k, :]: rows of B walked contiguously.
      for (let m = 0; m < M; m++) {
        const c = cOff + m * ldc;
        for (let k = 0; k < K; k++) {
          const av = alpha * (ta ? A[aOff + k * lda + m] : A[aOff + m * lda + k]);
          if (av === 0) continue;
          const b = bOff + k * ldb;
          for (let n = 0; n < N; n++) C[c + n] += av * B[b + n];
        }
      }
      return;
    }
    // B transposed: C[m, n] = dot(A(m, :), B[n, :]).
    for (let m = 0; m < M; m++) {
      const c = cOff + m * ldc;
      for (let n = 0; n < N; n++) {
        const b = bOff + n * ldb;
        let s = 0;
        if (ta) for (let k = 0; k < K; k++) s += A[aOff + k * lda + m] * B[b + k];
        else { const a = aOff + m * lda; for (let k = 0; k < K; k++) s += A[a + k] * B[b + k]; }
        C[c + n] += alpha * s;
      }
    }
  },
  im2col(x, b0, samples, group, cols, H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo) {
    const K = kh * kw * Cg, P = Ho * Wo;
    for (let s = 0; s < samples; s++) {
      const base = (b0 + s) * H * W * C + group * Cg;
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let r = s * P * K + (oy * Wo + ox) * K;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) cols.fill(0, r, r + Cg);
              else { const src = base + (iy * W + ix) * C; for (let c = 0; c < Cg; c++) cols[r + c] = x[src + c]; }
              r += Cg;
            }
          }
        }
      }
    }
  },
  col2im(cols, b0, samples, group, dx, H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo) {
    const K = kh * kw * Cg, P = Ho * Wo;
    for (let s = 0; s < samples; s++) {
      const base = (b0 + s) * H * W * C + group * Cg;
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let r = s * P * K + (oy * Wo + ox) * K;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                const dst = base + (iy * W + ix) * C;
                for (let c = 0; c < Cg; c++) dx[dst + c] += cols[r + c];
              }
              r += Cg;
            }
          }
        }
      }
    }
  },
  biasAct(y, rows, F, bias, relu) {
    for (let r = 0; r < rows; r++) {
      const o = r * F;
      if (bias) for (let f = 0; f < F; f++) y[o + f] += bias[f];
      if (relu) for (let f = 0; f < F; f++) if (!(y[o + f] > 0)) y[o + f] = 0;
    }
  },
  sumRows(x, rows, F, out) {
    out.fill(0, 0, F);
    for (let r = 0; r < rows; r++) { const o = r * F; for (let f = 0; f < F; f++) out[f] += x[o + f]; }
  },
  reluBackward(y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },
};
