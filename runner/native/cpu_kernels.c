/*
 * The cpu backend's native kernels: a thin N-API layer over OpenBLAS's cblas_sgemm (which threads
 * itself over the cores) plus the memory-bound helpers around it (im2col, col2im, bias and ReLU,
 * column sums, pooling, the optimisers). Every function works in place on Float32Arrays given with
 * element offsets, so no call allocates or copies. The helpers whose work splits into parts writing
 * disjoint memory (im2col, col2im, bias and ReLU, ReLU's gradient, max pooling forward, the optimiser
 * updates) run on as many threads as OpenBLAS (setThreads): on one thread they were about a fifth of a
 * coursework AlexNet training step on 2 cores. Each part does the arithmetic one thread would, so results do not depend
 * on the thread count. (Splitting the products into bands, each a single-threaded OpenBLAS call, was
 * tried too: faster on the tall, narrow forward products, but OpenBLAS rounds a band differently from
 * the whole, and a 56-layer plain network's loss moved past the tests' tolerance.) Built by
 * scripts/build-native.mjs without node-gyp: the N-API headers come from npm `node-api-headers`, the
 * symbols resolve against the running Node at load time.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <pthread.h>

/* OpenBLAS's own entry points (declared here in case the cblas.h found is another BLAS's). */
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);

#define MAX_ARGS 20

/* Threads for the helpers: as many as OpenBLAS's (setThreads). */
#define MAX_HELPERS 64
static int helper_threads = 1;
/* Below this many floats touched a call stays on one thread: starting a thread costs ~10-20 us. */
#define PARALLEL_MIN_FLOATS 65536

typedef void (*RangeFn)(const void *ctx, int64_t begin, int64_t end);
typedef struct { RangeFn fn; const void *ctx; int64_t begin, end; } RangeJob;

static void *run_range(void *p) {
  const RangeJob *j = (const RangeJob *)p;
  j->fn(j->ctx, j->begin, j->end);
  return NULL;
}

/*
 * Runs fn over [0, n) in contiguous parts, one per helper thread, the calling thread taking the
 * first; parts must write memory no other part touches. Threads are started per call (no pool to
 * keep alive or to contend with OpenBLAS's own idle threads); a thread that fails to start has its
 * part run here instead.
 */
static void parallel_for(RangeFn fn, const void *ctx, int64_t n, int64_t floats) {
  int64_t t = helper_threads;
  if (t > n) t = n;
  if (floats < PARALLEL_MIN_FLOATS || t <= 1) { if (n > 0) fn(ctx, 0, n); return; }
  pthread_t ids[MAX_HELPERS];
  RangeJob jobs[MAX_HELPERS];
  int started[MAX_HELPERS];
  for (int64_t i = 0; i < t; i++) jobs[i] = (RangeJob){ fn, ctx, n * i / t, n * (i + 1) / t };
  for (int64_t i = 1; i < t; i++) started[i] = pthread_create(&ids[i], NULL, run_range, &jobs[i]) == 0;
  run_range(&jobs[0]);
  for (int64_t i = 1; i < t; i++) {
    if (started[i]) pthread_join(ids[i], NULL);
    else run_range(&jobs[i]);
  }
}

typedef struct { napi_env env; napi_value argv[MAX_ARGS]; size_t argc; int failed; } Args;

static void fail(Args *a, const char *message) {
  if (!a->failed) napi_throw_type_error(a->env, NULL, message);
  a->failed = 1;
}

static int64_t int_arg(Args *a, size_t i) {
  int64_t v = 0;
  if (i >= a->argc || napi_get_value_int64(a->env, a->argv[i], &v) != napi_ok) fail(a, "expected a whole number");
  return v;
}

static double num_arg(Args *a, size_t i) {
  double v = 0;
  if (i >= a->argc || napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) fail(a, "expected a number");
  return v;
}

/* A Float32Array's data and length; NULL for null/undefined when allowed. */
static float *f32_arg(Args *a, size_t i, size_t *length, int nullable) {
  napi_valuetype t;
  if (i >= a->argc) { fail(a, "missing Float32Array"); return NULL; }
  napi_typeof(a->env, a->argv[i], &t);
  if (nullable && (t == napi_null || t == napi_undefined)) { if (length) *length = 0; return NULL; }
  bool is_typed = false;
  napi_is_typedarray(a->env, a->argv[i], &is_typed);
  if (!is_typed) { fail(a, "expected a Float32Array"); return NULL; }
  napi_typedarray_type type; size_t n; void *data; napi_value ab; size_t off;
  napi_get_typedarray_info(a->env, a->argv[i], &type, &n, &data, &ab, &off);
  if (type != napi_float32_array) { fail(a, "expected a Float32Array"); return NULL; }
  if (length) *length = n;
  return (float *)data;
}

static Args args_of(napi_env env, napi_callback_info info) {
  Args a; a.env = env; a.argc = MAX_ARGS; a.failed = 0;
  napi_get_cb_info(env, info, &a.argc, a.argv, NULL, NULL);
  return a;
}

/* Checks that [off, off + span) lies inside an array of n elements. */
static int inside(Args *a, size_t n, int64_t off, int64_t span, const char *what) {
  if (off < 0 || span < 0 || (uint64_t)(off + span) > n) { fail(a, what); return 0; }
  return 1;
}

/* Elements a row-major matrix of rows x cols with leading dimension ld spans. */
static int64_t span_of(int64_t rows, int64_t cols, int64_t ld) { return rows <= 0 || cols <= 0 ? 0 : (rows - 1) * ld + cols; }

/* sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc): row-major C = alpha op(A) op(B) + beta C. */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  int ta = (int)int_arg(&a, 0), tb = (int)int_arg(&a, 1);
  int64_t M = int_arg(&a, 2), N = int_arg(&a, 3), K = int_arg(&a, 4);
  float alpha = (float)num_arg(&a, 5);
  size_t na, nb, nc;
  float *A = f32_arg(&a, 6, &na, 0); int64_t aOff = int_arg(&a, 7), lda = int_arg(&a, 8);
  float *B = f32_arg(&a, 9, &nb, 0); int64_t bOff = int_arg(&a, 10), ldb = int_arg(&a, 11);
  float beta = (float)num_arg(&a, 12);
  float *C = f32_arg(&a, 13, &nc, 0); int64_t cOff = int_arg(&a, 14), ldc = int_arg(&a, 15);
  if (a.failed) return NULL;
  if (M <= 0 || N <= 0) return NULL;
  if (!inside(&a, na, aOff, ta ? span_of(K, M, lda) : span_of(M, K, lda), "sgemm: A out of range")) return NULL;
  if (!inside(&a, nb, bOff, tb ? span_of(N, K, ldb) : span_of(K, N, ldb), "sgemm: B out of range")) return NULL;
  if (!inside(&a, nc, cOff, span_of(M, N, ldc), "sgemm: C out of range")) return NULL;
  if (K <= 0) {
    for (int64_t m = 0; m < M; m++) for (int64_t n = 0; n < N; n++) C[cOff + m * ldc + n] *= beta;
    return NULL;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              alpha, A + aOff, (int)lda, B + bOff, (int)ldb, beta, C + cOff, (int)ldc);
  return NULL;
}

typedef struct { int64_t H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo; } Geometry;

static Geometry geometry_of(Args *a, size_t i) {
  Geometry g;
  g.H = int_arg(a, i); g.W = int_arg(a, i + 1); g.C = int_arg(a, i + 2); g.Cg = int_arg(a, i + 3);
  g.kh = int_arg(a, i + 4); g.kw = int_arg(a, i + 5); g.sh = int_arg(a, i + 6); g.sw = int_arg(a, i + 7);
  g.ph = int_arg(a, i + 8); g.pw = int_arg(a, i + 9); g.Ho = int_arg(a, i + 10); g.Wo = int_arg(a, i + 11);
  return g;
}

typedef struct { const float *x; float *cols; Geometry g; int64_t b0, group; } Im2col;

/* Output rows [begin, end) of the chunk, numbered sample * Ho + oy. */
static void im2col_rows(const void *ctx, int64_t begin, int64_t end) {
  const Im2col *j = (const Im2col *)ctx;
  const Geometry g = j->g;
  const int64_t K = g.kh * g.kw * g.Cg;
  const size_t rowBytes = (size_t)g.Cg * sizeof(float);
  for (int64_t row = begin; row < end; row++) {
    const int64_t s = row / g.Ho, oy = row % g.Ho;
    const float *base = j->x + (j->b0 + s) * g.H * g.W * g.C + j->group * g.Cg;
    for (int64_t ox = 0; ox < g.Wo; ox++) {
      float *r = j->cols + (row * g.Wo + ox) * K;
      for (int64_t ky = 0; ky < g.kh; ky++) {
        const int64_t iy = oy * g.sh - g.ph + ky;
        if (iy < 0 || iy >= g.H) { memset(r, 0, (size_t)g.kw * rowBytes); r += g.kw * g.Cg; continue; }
        const int64_t ix0 = ox * g.sw - g.pw;
        if (ix0 >= 0 && ix0 + g.kw <= g.W && g.Cg == g.C) {
          /* The whole kernel row is inside and channels are contiguous: one copy. */
          memcpy(r, base + (iy * g.W + ix0) * g.C, (size_t)g.kw * rowBytes);
          r += g.kw * g.Cg;
          continue;
        }
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ix0 + kx;
          if (ix < 0 || ix >= g.W) memset(r, 0, rowBytes);
          else memcpy(r, base + (iy * g.W + ix) * g.C, rowBytes);
          r += g.Cg;
        }
      }
    }
  }
}

/*
 * im2col(x, b0, samples, group, cols, H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo): rows of cols, one per
 * output position of samples b0.., each (ky, kx, c) over group's Cg channels; zeros outside the input.
 */
static napi_value im2col(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nx, ncols;
  float *x = f32_arg(&a, 0, &nx, 0);
  int64_t b0 = int_arg(&a, 1), samples = int_arg(&a, 2), group = int_arg(&a, 3);
  float *cols = f32_arg(&a, 4, &ncols, 0);
  Geometry g = geometry_of(&a, 5);
  if (a.failed) return NULL;
  const int64_t K = g.kh * g.kw * g.Cg, P = g.Ho * g.Wo;
  if (!inside(&a, nx, b0 * g.H * g.W * g.C, samples * g.H * g.W * g.C, "im2col: x out of range")) return NULL;
  if (!inside(&a, ncols, 0, samples * P * K, "im2col: cols too small")) return NULL;
  const Im2col job = { x, cols, g, b0, group };
  parallel_for(im2col_rows, &job, samples * g.Ho, samples * P * K);
  return NULL;
}

typedef struct { const float *cols; float *dx; Geometry g; int64_t b0, group; } Col2im;

/*
 * Input rows [begin, end) of the chunk, numbered sample * H + iy: each gathers from the output rows
 * whose windows cover it, so parts never write the same values. Contributions arrive in the order
 * a scatter over output positions would add them, (oy, ox) ascending, so the sums are the same.
 */
static void col2im_rows(const void *ctx, int64_t begin, int64_t end) {
  const Col2im *j = (const Col2im *)ctx;
  const Geometry g = j->g;
  const int64_t K = g.kh * g.kw * g.Cg, P = g.Ho * g.Wo;
  for (int64_t row = begin; row < end; row++) {
    const int64_t s = row / g.H, iy = row % g.H;
    float *line = j->dx + ((j->b0 + s) * g.H + iy) * g.W * g.C + j->group * g.Cg;
    const float *in = j->cols + s * P * K;
    /* Output rows oy with 0 <= iy + ph - oy sh < kh. */
    int64_t oy0 = iy + g.ph - g.kh + 1 <= 0 ? 0 : (iy + g.ph - g.kh + 1 + g.sh - 1) / g.sh;
    for (int64_t oy = oy0; oy < g.Ho && oy * g.sh <= iy + g.ph; oy++) {
      const int64_t ky = iy + g.ph - oy * g.sh;
      for (int64_t ox = 0; ox < g.Wo; ox++) {
        const float *r = in + (oy * g.Wo + ox) * K + ky * g.kw * g.Cg;
        for (int64_t kx = 0; kx < g.kw; kx++, r += g.Cg) {
          const int64_t ix = ox * g.sw - g.pw + kx;
          if (ix < 0 || ix >= g.W) continue;
          float *d = line + ix * g.C;
          for (int64_t c = 0; c < g.Cg; c++) d[c] += r[c];
        }
      }
    }
  }
}

/* col2im(dcols, b0, samples, group, dx, geometry...): adds each column row back onto the input positions it was read from. */
static napi_value col2im(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t ncols, nx;
  float *cols = f32_arg(&a, 0, &ncols, 0);
  int64_t b0 = int_arg(&a, 1), samples = int_arg(&a, 2), group = int_arg(&a, 3);
  float *dx = f32_arg(&a, 4, &nx, 0);
  Geometry g = geometry_of(&a, 5);
  if (a.failed) return NULL;
  const int64_t K = g.kh * g.kw * g.Cg, P = g.Ho * g.Wo;
  if (!inside(&a, nx, b0 * g.H * g.W * g.C, samples * g.H * g.W * g.C, "col2im: dx out of range")) return NULL;
  if (!inside(&a, ncols, 0, samples * P * K, "col2im: cols too small")) return NULL;
  const Col2im job = { cols, dx, g, b0, group };
  parallel_for(col2im_rows, &job, samples * g.H, samples * P * K);
  return NULL;
}

typedef struct { float *y; const float *bias; int64_t F, relu; } BiasAct;

static void bias_act_rows(const void *ctx, int64_t begin, int64_t end) {
  const BiasAct *j = (const BiasAct *)ctx;
  for (int64_t r = begin; r < end; r++) {
    float *row = j->y + r * j->F;
    if (j->bias) for (int64_t f = 0; f < j->F; f++) row[f] += j->bias[f];
    if (j->relu) for (int64_t f = 0; f < j->F; f++) row[f] = row[f] > 0 ? row[f] : 0;
  }
}

/* biasAct(y, rows, F, bias|null, relu): y[r, f] += bias[f], then max(., 0) when relu is 1. */
static napi_value bias_act(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t ny, nb;
  float *y = f32_arg(&a, 0, &ny, 0);
  int64_t rows = int_arg(&a, 1), F = int_arg(&a, 2);
  float *bias = f32_arg(&a, 3, &nb, 1);
  int64_t relu = int_arg(&a, 4);
  if (a.failed) return NULL;
  if (!inside(&a, ny, 0, rows * F, "biasAct: y too small")) return NULL;
  if (bias && !inside(&a, nb, 0, F, "biasAct: bias too small")) return NULL;
  const BiasAct job = { y, bias, F, relu };
  parallel_for(bias_act_rows, &job, rows, rows * F);
  return NULL;
}

/* sumRows(x, rows, F, out): out[f] = sum over rows of x[r, f] (the bias gradient). */
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nx, no;
  float *x = f32_arg(&a, 0, &nx, 0);
  int64_t rows = int_arg(&a, 1), F = int_arg(&a, 2);
  float *out = f32_arg(&a, 3, &no, 0);
  if (a.failed) return NULL;
  if (!inside(&a, nx, 0, rows * F, "sumRows: x too small") || !inside(&a, no, 0, F, "sumRows: out too small")) return NULL;
  double acc[4096];
  for (int64_t f0 = 0; f0 < F; f0 += 4096) {
    const int64_t n = F - f0 < 4096 ? F - f0 : 4096;
    memset(acc, 0, sizeof(double) * (size_t)n);
    for (int64_t r = 0; r < rows; r++) { const float *row = x + r * F + f0; for (int64_t f = 0; f < n; f++) acc[f] += row[f]; }
    for (int64_t f = 0; f < n; f++) out[f0 + f] = (float)acc[f];
  }
  return NULL;
}

typedef struct { const float *y, *dy; float *dx; } ReluBackward;

static void relu_backward_range(const void *ctx, int64_t begin, int64_t end) {
  const ReluBackward *j = (const ReluBackward *)ctx;
  for (int64_t i = begin; i < end; i++) j->dx[i] = j->y[i] > 0 ? j->dy[i] : 0;
}

/* reluBackward(y, dy, dx, n): dx = y > 0 ? dy : 0 (y is the ReLU's output: positive exactly where its input was). */
static napi_value relu_backward(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t ny, nd, nx;
  float *y = f32_arg(&a, 0, &ny, 0), *dy = f32_arg(&a, 1, &nd, 0), *dx = f32_arg(&a, 2, &nx, 0);
  int64_t n = int_arg(&a, 3);
  if (a.failed) return NULL;
  if (!inside(&a, ny, 0, n, "reluBackward: y") || !inside(&a, nd, 0, n, "reluBackward: dy") || !inside(&a, nx, 0, n, "reluBackward: dx")) return NULL;
  const ReluBackward job = { y, dy, dx };
  parallel_for(relu_backward_range, &job, n, n);
  return NULL;
}


static int32_t *i32_arg(Args *a, size_t i, size_t *length) {
  bool is_typed = false;
  if (i >= a->argc) { fail(a, "missing Int32Array"); return NULL; }
  napi_is_typedarray(a->env, a->argv[i], &is_typed);
  if (!is_typed) { fail(a, "expected an Int32Array"); return NULL; }
  napi_typedarray_type type; size_t n; void *data; napi_value ab; size_t off;
  napi_get_typedarray_info(a->env, a->argv[i], &type, &n, &data, &ab, &off);
  if (type != napi_int32_array) { fail(a, "expected an Int32Array"); return NULL; }
  if (length) *length = n;
  return (int32_t *)data;
}

/* Pool geometry: H, W, C, kh, kw, sh, sw, ph, pw, Ho, Wo. */
typedef struct { int64_t H, W, C, kh, kw, sh, sw, ph, pw, Ho, Wo; } PoolGeometry;

static PoolGeometry pool_geometry_of(Args *a, size_t i) {
  PoolGeometry g;
  g.H = int_arg(a, i); g.W = int_arg(a, i + 1); g.C = int_arg(a, i + 2); g.kh = int_arg(a, i + 3); g.kw = int_arg(a, i + 4);
  g.sh = int_arg(a, i + 5); g.sw = int_arg(a, i + 6); g.ph = int_arg(a, i + 7); g.pw = int_arg(a, i + 8);
  g.Ho = int_arg(a, i + 9); g.Wo = int_arg(a, i + 10);
  return g;
}

typedef struct { const float *x; float *y; int32_t *arg; PoolGeometry g; } Maxpool;

/* Output rows [begin, end), numbered sample * Ho + oy. */
static void maxpool_rows(const void *ctx, int64_t begin, int64_t end) {
  const Maxpool *j = (const Maxpool *)ctx;
  const PoolGeometry g = j->g;
  const int64_t C = g.C;
  for (int64_t row = begin; row < end; row++) {
    const int64_t b = row / g.Ho, oy = row % g.Ho;
    const int64_t xb = b * g.H * g.W * C;
    const int64_t y0 = oy * g.sh - g.ph, ya = y0 < 0 ? 0 : y0, yb = y0 + g.kh < g.H ? y0 + g.kh : g.H;
    for (int64_t ox = 0; ox < g.Wo; ox++) {
      const int64_t x0 = ox * g.sw - g.pw, xa = x0 < 0 ? 0 : x0, xe = x0 + g.kw < g.W ? x0 + g.kw : g.W;
      float *restrict yo = j->y + (row * g.Wo + ox) * C;
      int32_t *restrict ao = j->arg + (row * g.Wo + ox) * C;
      for (int64_t c = 0; c < C; c++) { yo[c] = -INFINITY; ao[c] = -1; }
      for (int64_t iy = ya; iy < yb; iy++) {
        for (int64_t ix = xa; ix < xe; ix++) {
          const int32_t i = (int32_t)(xb + (iy * g.W + ix) * C);
          const float *restrict xi = j->x + i;
          /* Selects instead of a branch, so the compiler vectorises over channels; strictly greater keeps the first largest. */
          for (int64_t c = 0; c < C; c++) {
            const int greater = xi[c] > yo[c];
            yo[c] = greater ? xi[c] : yo[c];
            ao[c] = greater ? i + (int32_t)c : ao[c];
          }
        }
      }
      for (int64_t c = 0; c < C; c++) if (ao[c] < 0) yo[c] = 0;
    }
  }
}

/*
 * maxpoolForward(x, y, argmax, batch, geometry...): windows clipped to the input (a ceil-mode window
 * past the edge sees only real values); the first largest value wins; an empty window gives 0 and -1.
 */
static napi_value maxpool_forward(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nx, ny, na;
  float *x = f32_arg(&a, 0, &nx, 0), *y = f32_arg(&a, 1, &ny, 0);
  int32_t *arg = i32_arg(&a, 2, &na);
  int64_t batch = int_arg(&a, 3);
  PoolGeometry g = pool_geometry_of(&a, 4);
  if (a.failed) return NULL;
  const int64_t C = g.C;
  if (!inside(&a, nx, 0, batch * g.H * g.W * C, "maxpool: x") || !inside(&a, ny, 0, batch * g.Ho * g.Wo * C, "maxpool: y")
      || !inside(&a, na, 0, batch * g.Ho * g.Wo * C, "maxpool: argmax")) return NULL;
  if (batch * g.H * g.W * C > INT32_MAX) { fail(&a, "maxpool: input too large for int32 indices"); return NULL; }
  const Maxpool job = { x, y, arg, g };
  parallel_for(maxpool_rows, &job, batch * g.Ho, batch * g.H * g.W * C);
  return NULL;
}

/* maxpoolBackward(dy, argmax, n, dx): dx = 0, then each output's gradient goes to the input it came from. */
static napi_value maxpool_backward(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nd, na, nx;
  float *dy = f32_arg(&a, 0, &nd, 0);
  int32_t *arg = i32_arg(&a, 1, &na);
  int64_t n = int_arg(&a, 2);
  float *dx = f32_arg(&a, 3, &nx, 0);
  if (a.failed) return NULL;
  if (!inside(&a, nd, 0, n, "maxpoolBackward: dy") || !inside(&a, na, 0, n, "maxpoolBackward: argmax")) return NULL;
  memset(dx, 0, nx * sizeof(float));
  for (int64_t i = 0; i < n; i++) { const int32_t j = arg[i]; if (j >= 0 && (size_t)j < nx) dx[j] += dy[i]; }
  return NULL;
}

/*
 * avgpoolForward(x, y, batch, geometry...) and avgpoolBackward(dy, dx, batch, geometry...): the sum over
 * the window clipped to the input, divided by the window clipped to the padded input (count_include_pad).
 */
static napi_value avgpool(napi_env env, napi_callback_info info, int backward) {
  Args a = args_of(env, info);
  size_t n0, n1;
  float *p0 = f32_arg(&a, 0, &n0, 0), *p1 = f32_arg(&a, 1, &n1, 0);
  int64_t batch = int_arg(&a, 2);
  PoolGeometry g = pool_geometry_of(&a, 3);
  if (a.failed) return NULL;
  const int64_t C = g.C, in = batch * g.H * g.W * C, out = batch * g.Ho * g.Wo * C;
  float *x = backward ? p1 : p0, *y = backward ? p0 : p1;
  if (!inside(&a, backward ? n1 : n0, 0, in, "avgpool: x") || !inside(&a, backward ? n0 : n1, 0, out, "avgpool: y")) return NULL;
  if (backward) memset(x, 0, (size_t)in * sizeof(float));
  for (int64_t b = 0; b < batch; b++) {
    const int64_t xb = b * g.H * g.W * C;
    for (int64_t oy = 0; oy < g.Ho; oy++) {
      const int64_t y0 = oy * g.sh - g.ph, y1 = y0 + g.kh < g.H + g.ph ? y0 + g.kh : g.H + g.ph;
      const int64_t ya = y0 < 0 ? 0 : y0, yb = y1 < g.H ? y1 : g.H;
      for (int64_t ox = 0; ox < g.Wo; ox++) {
        const int64_t x0 = ox * g.sw - g.pw, x1 = x0 + g.kw < g.W + g.pw ? x0 + g.kw : g.W + g.pw;
        const int64_t xa = x0 < 0 ? 0 : x0, xe = x1 < g.W ? x1 : g.W;
        const int64_t count = (y1 - y0) * (x1 - x0);
        float *yo = y + ((b * g.Ho + oy) * g.Wo + ox) * C;
        if (!backward) for (int64_t c = 0; c < C; c++) yo[c] = 0;
        if (count <= 0) continue;
        const float inv = 1.0f / (float)count;
        for (int64_t iy = ya; iy < yb; iy++) {
          for (int64_t ix = xa; ix < xe; ix++) {
            float *xi = x + xb + (iy * g.W + ix) * C;
            if (backward) for (int64_t c = 0; c < C; c++) xi[c] += yo[c] / (float)count;
            else for (int64_t c = 0; c < C; c++) yo[c] += xi[c];
          }
        }
        if (!backward) for (int64_t c = 0; c < C; c++) yo[c] *= inv;
      }
    }
  }
  return NULL;
}
static napi_value avgpool_forward(napi_env env, napi_callback_info info) { return avgpool(env, info, 0); }
static napi_value avgpool_backward(napi_env env, napi_callback_info info) { return avgpool(env, info, 1); }

/* One tensor's optimiser update; each element's is independent of the others', so parts split anywhere. */
typedef struct { float *w; const float *g; float *m, *v; double lr, mu, wd, b1, b2, eps, c1, c2; } Update;

static void sgd_range(const void *ctx, int64_t begin, int64_t end) {
  const Update *j = (const Update *)ctx;
  float *w = j->w, *m = j->m;
  const float *g = j->g;
  for (int64_t i = begin; i < end; i++) {
    m[i] = (float)(j->mu * (double)m[i] - j->lr * ((double)g[i] + j->wd * (double)w[i]));
    w[i] = (float)((double)w[i] + (double)m[i]);
  }
}

static void adam_range(const void *ctx, int64_t begin, int64_t end) {
  const Update *j = (const Update *)ctx;
  float *w = j->w, *m = j->m, *v = j->v;
  const float *g = j->g;
  for (int64_t i = begin; i < end; i++) {
    const double gi = (double)g[i] + j->wd * (double)w[i];
    m[i] = (float)(j->b1 * (double)m[i] + (1 - j->b1) * gi);
    v[i] = (float)(j->b2 * (double)v[i] + (1 - j->b2) * gi * gi);
    w[i] = (float)((double)w[i] - (j->lr * ((double)m[i] / j->c1)) / (sqrt((double)v[i] / j->c2) + j->eps));
  }
}

/* sgd(w, g, m, lr, momentum, decay): m = momentum m - lr (g + decay w); w += m (in double, as the reference). */
static napi_value sgd(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nw, ng, nm;
  float *w = f32_arg(&a, 0, &nw, 0), *g = f32_arg(&a, 1, &ng, 0), *m = f32_arg(&a, 2, &nm, 0);
  double lr = num_arg(&a, 3), mu = num_arg(&a, 4), wd = num_arg(&a, 5);
  if (a.failed) return NULL;
  if (ng < nw || nm < nw) { fail(&a, "sgd: arrays differ in length"); return NULL; }
  const Update job = { w, g, m, NULL, lr, mu, wd, 0, 0, 0, 0, 0 };
  parallel_for(sgd_range, &job, (int64_t)nw, (int64_t)nw);
  return NULL;
}

/* adam(w, g, m, v, lr, beta1, beta2, epsilon, decay, c1, c2): Adam with L2 decay, bias corrections c1, c2. */
static napi_value adam(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  size_t nw, ng, nm, nv;
  float *w = f32_arg(&a, 0, &nw, 0), *g = f32_arg(&a, 1, &ng, 0), *m = f32_arg(&a, 2, &nm, 0), *v = f32_arg(&a, 3, &nv, 0);
  double lr = num_arg(&a, 4), b1 = num_arg(&a, 5), b2 = num_arg(&a, 6), eps = num_arg(&a, 7), wd = num_arg(&a, 8);
  double c1 = num_arg(&a, 9), c2 = num_arg(&a, 10);
  if (a.failed) return NULL;
  if (ng < nw || nm < nw || nv < nw) { fail(&a, "adam: arrays differ in length"); return NULL; }
  const Update job = { w, g, m, v, lr, 0, wd, b1, b2, eps, c1, c2 };
  parallel_for(adam_range, &job, (int64_t)nw, (int64_t)nw);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  Args a = args_of(env, info);
  int64_t n = int_arg(&a, 0);
  if (a.failed) return NULL;
  if (n > 0) openblas_set_num_threads((int)n);
  const int threads = openblas_get_num_threads();
  helper_threads = threads < 1 ? 1 : threads > MAX_HELPERS ? MAX_HELPERS : threads;
  napi_value out;
  napi_create_int32(env, threads, &out);
  return out;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  const char *c = openblas_get_config();
  napi_create_string_utf8(env, c ? c : "OpenBLAS", NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  const struct { const char *name; napi_callback fn; } fns[] = {
    { "sgemm", sgemm }, { "im2col", im2col }, { "col2im", col2im }, { "biasAct", bias_act },
    { "sumRows", sum_rows }, { "reluBackward", relu_backward },
    { "maxpoolForward", maxpool_forward }, { "maxpoolBackward", maxpool_backward },
    { "avgpoolForward", avgpool_forward }, { "avgpoolBackward", avgpool_backward }, { "sgd", sgd }, { "adam", adam }, { "setThreads", set_threads }, { "config", config },
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
