/**
 * The benchmark's TensorFlow.js side: the same network as the runner's plan (runner/src/plan.ts),
 * built from tfjs-core ops and trained with SGD with momentum, on tfjs-backend-webgpu (on the same
 * Dawn adapter as the runner, through the npm `webgpu` package) or tfjs-backend-wasm (one thread:
 * tfjs-wasm never uses threads in Node).
 *
 * Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so it cannot train a conv layer;
 * `patchWasmConv2DBackpropFilter` registers one built from the backend's own Transpose and Conv2D
 * kernels (the filter gradient is a convolution of the transposed input with the transposed output
 * gradient, dilated by the stride). Results from that backend are labelled "patched".
 *
 * Same work as the runner's step: conv (stride, pad) + bias, max/avg pooling, fc + bias, relu / tanh /
 * sigmoid / leaky relu / PReLU, softmax cross-entropy averaged over the batch, L2 weight decay on the
 * weights only (as the runner's optimiser), SGD momentum. Layers the benchmark networks do not use
 * (groups, dropout, lrn, batchnorm, global average pooling, ceil rounding) are refused with a reason.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type { OptimizerSettings } from '../runner/src/backend';
import type { Plan, Step } from '../runner/src/plan';
import { Rng } from '../runner/src/rng';

export type TfjsBackend = 'webgpu' | 'wasm';
type TF = typeof Tf;

export interface TfjsSetup {
  tf: TF;
  /** What ran, for the table: backend, adapter, patched or not. */
  label: string;
}

/** Loads tfjs-core and one backend, and makes it the current one; throws with the reason if it cannot. */
export async function setupTfjs(backend: TfjsBackend): Promise<TfjsSetup> {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core's own entry does not register gradients; the union package @tensorflow/tfjs does this.
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  if (backend === 'webgpu') {
    process.env.NODEVICE_SELECT ??= '1';
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create(['backend=vulkan']);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('Dawn found no Vulkan adapter');
    const info = adapter.info;
    // tfjs-backend-webgpu asks navigator.gpu for its adapter; Node 20 has no navigator.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed (see the warning above)');
    await tf.ready();
    const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ');
    return { tf, label: `tfjs-webgpu ${tf.version_core} (${name || 'unnamed adapter'})` };
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  // Resolved from the working directory: this file runs bundled (see bench/train.bench.ts).
  const dist = dirname(createRequire(join(process.cwd(), 'package.json')).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed (see the warning above)');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const patched = patchWasmConv2DBackpropFilter(tf);
  return { tf, label: `tfjs-wasm ${tf.version_core}${simd ? ' SIMD' : ''}, 1 thread${patched ? ', Conv2DBackpropFilter patched in' : ''}` };
}

/**
 * Registers Conv2DBackpropFilter for the wasm backend if it has none; returns whether it did.
 * dW[i,j,c,k] = sum over b,y,x of X[b, y*s+i-pt, x*s+j-pl, c] * dY[b,y,x,k]: a conv of X as
 * [C, H, W, B] with dY as a [OH, OW, B, K] filter, dilation = stride, giving [C, fh, fw, K].
 */
export function patchWasmConv2DBackpropFilter(tf: TF): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const kernel = (name: string): Tf.KernelFunc => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`tfjs-wasm has no ${name} kernel`);
    return k.kernelFunc;
  };
  const transpose = kernel('Transpose');
  const conv2d = kernel('Conv2D');
  const slice = kernel('Slice');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: Tf.TensorInfo; dy: Tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Tf.Conv2DBackpropFilterAttrs;
      if (dataFormat !== 'NHWC') throw new Error('patched Conv2DBackpropFilter: NHWC only');
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
      const [fh, fw] = [info.filterHeight, info.filterWidth];
      const [H, W] = [info.inHeight, info.inWidth];
      const { top, left } = info.padInfo;
      // Pad the far side so that the output is exactly fh x fw; slice when the forward pass dropped input rows.
      const bottom = Math.max(0, fh + (info.outHeight - 1) * info.strideHeight - H - top);
      const right = Math.max(0, fw + (info.outWidth - 1) * info.strideWidth - W - left);
      const run = (f: Tf.KernelFunc, ins: Tf.NamedTensorInfoMap, a: object) => f({ inputs: ins, backend, attrs: a as Tf.NamedAttrMap }) as Tf.TensorInfo;
      const xT = run(transpose, { x }, { perm: [3, 1, 2, 0] });
      const dyT = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const g = run(conv2d, { x: xT, filter: dyT }, {
        strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth], dimRoundingMode: undefined,
      });
      const free = (...ts: Tf.TensorInfo[]) => ts.forEach((t) => (backend as Tf.KernelBackend).disposeData(t.dataId));
      free(xT, dyT);
      let gc = g;
      if (g.shape[1] !== fh || g.shape[2] !== fw) {
        gc = run(slice, { x: g }, { begin: [0, 0, 0, 0], size: [g.shape[0], fh, fw, g.shape[3]] });
        free(g);
      }
      const out = run(transpose, { x: gc }, { perm: [1, 2, 0, 3] });
      free(gc);
      return out;
    },
  });
  return true;
}

/**
 * Checks the patched kernel against tfjs-backend-cpu's own Conv2DBackpropFilter on small convs with
 * the benchmark's kinds of stride and padding, including windows that leave input rows unused.
 * Returns the largest difference relative to the largest gradient value; leaves the wasm backend current.
 */
export async function checkPatchedKernel(tf: TF): Promise<number> {
  await import('@tensorflow/tfjs-backend-cpu');
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: number }[] = [
    { x: [2, 23, 23, 3], f: [11, 11, 3, 4], stride: 4, pad: 0 },
    { x: [2, 9, 9, 4], f: [6, 6, 4, 5], stride: 1, pad: 2 },
    { x: [3, 10, 11, 3], f: [3, 3, 3, 2], stride: 2, pad: 1 },
    { x: [2, 12, 12, 2], f: [5, 5, 2, 3], stride: 3, pad: 0 },
  ];
  const rng = new Rng(7);
  let worst = 0;
  for (const c of cases) {
    const xs = Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const fs = Float32Array.from({ length: c.f.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const grad = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xs, c.x);
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]];
      // d/dW of sum(conv * conv) = Conv2DBackpropFilter(x, 2 * conv).
      const g = tf.grad((f: Tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as Tf.Tensor4D, c.stride, pad))))(tf.tensor4d(fs, c.f));
      const values = (await g.data()) as Float32Array;
      tf.disposeVariables();
      x.dispose();
      g.dispose();
      return values;
    };
    const expected = await grad('cpu');
    const got = await grad('wasm');
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-30);
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - got[i]) / scale);
  }
  return worst;
}

export interface TfjsModel {
  /** One SGD step on the batch; the loss stays on the backend. */
  step(): Tf.Scalar;
  dispose(): void;
}

/** Refuses what this builder does not translate, with the layer's name. */
function unsupported(step: Step, what: string): never {
  throw new Error(`tfjs model: layer ${step.layer}: ${what} is not built for the benchmark`);
}

/**
 * The plan's network in tfjs, with its own normally distributed weights (std from the plan), a fixed
 * random batch (seeded) and the optimiser settings of the runner's benchmark.
 */
export function buildTfjsModel(tf: TF, plan: Plan, batch: number, lr: number, optimizer: OptimizerSettings, seed = 1): TfjsModel {
  if (optimizer.kind !== 'sgd') throw new Error('tfjs model: only SGD with momentum is built for the benchmark');
  const rng = new Rng(seed);
  const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => rng.normal() * std);
  const vars: Tf.Variable[] = [];
  const decayed: Tf.Variable[] = [];
  const variable = (shape: number[], spec: Plan['steps'][number]['params'][number] | undefined, name: string): Tf.Variable => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = !spec ? new Float32Array(n)
      : spec.init.kind === 'normal' ? normal(n, spec.init.std) : new Float32Array(n).fill(spec.init.value);
    const v = tf.variable(tf.tensor(values, shape), true, `${name}_${vars.length}`);
    vars.push(v);
    if (spec?.decay) decayed.push(v);
    return v;
  };

  type Layer = (x: Tf.Tensor) => Tf.Tensor;
  const layers: Layer[] = [];
  let previous = 'input';
  for (const step of plan.steps) {
    // The benchmark's networks are chains; this builder applies the steps in order and nothing else.
    if (step.inputs.length !== 1 || step.inputs[0] !== previous) unsupported(step, `reading ${step.inputs.join(', ')} (not the step before it)`);
    previous = step.name;
    const weight = step.params.find((p) => p.name.endsWith('.weight'));
    const bias = step.params.find((p) => p.name.endsWith('.bias'));
    switch (step.kind) {
      case 'conv': {
        if (step.groups !== 1) unsupported(step, 'a grouped conv');
        const [fh, fw] = step.kernel;
        const cin = (step.inShape as number[])[2];
        const w = variable([fh, fw, cin, step.filters], weight, `${step.layer}_w`);
        const b = step.bias ? variable([step.filters], bias, `${step.layer}_b`) : undefined;
        const [ph, pw] = step.pad;
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
        const expect = step.outShape as number[];
        layers.push((x) => {
          const y = tf.conv2d(x as Tf.Tensor4D, w as Tf.Tensor4D, step.stride, pad);
          if (y.shape[1] !== expect[0] || y.shape[2] !== expect[1]) unsupported(step, `output ${y.shape.slice(1, 3).join('x')} (the spec's rounding gives ${expect.slice(0, 2).join('x')})`);
          return b ? tf.add(y, b) : y;
        });
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        if (step.pad[0] || step.pad[1]) unsupported(step, 'padded pooling');
        const expect = step.outShape as number[];
        const pool = step.kind === 'maxpool' ? tf.maxPool : tf.avgPool;
        layers.push((x) => {
          const y = pool(x as Tf.Tensor4D, step.kernel, step.stride, 'valid');
          if (y.shape[1] !== expect[0] || y.shape[2] !== expect[1]) unsupported(step, `output ${y.shape.slice(1, 3).join('x')} (ceil rounding gives ${expect.slice(0, 2).join('x')})`);
          return y;
        });
        break;
      }
      case 'fc': {
        const w = variable([step.inSize, step.units], weight, `${step.layer}_w`);
        const b = step.bias ? variable([step.units], bias, `${step.layer}_b`) : undefined;
        layers.push((x) => {
          const y = tf.matMul(tf.reshape(x, [-1, step.inSize]) as Tf.Tensor2D, w as Tf.Tensor2D);
          return b ? tf.add(y, b) : y;
        });
        break;
      }
      case 'activation': {
        switch (step.act) {
          case 'relu': layers.push((x) => tf.relu(x)); break;
          case 'tanh': layers.push((x) => tf.tanh(x)); break;
          case 'sigmoid': layers.push((x) => tf.sigmoid(x)); break;
          case 'leakyrelu': layers.push((x) => tf.leakyRelu(x, 0.01)); break;
          case 'prelu':
          case 'prelu-shared': {
            const slope = variable(step.act === 'prelu' ? [step.channels] : [1], step.params[0], `${step.layer}_slope`);
            layers.push((x) => tf.prelu(x, slope));
            break;
          }
          default: unsupported(step, `activation ${step.act}`);
        }
        break;
      }
      default:
        unsupported(step, step.kind);
    }
  }

  const rngData = new Rng(seed + 1);
  const [h, w, c] = plan.input;
  const x = tf.tensor4d(Float32Array.from({ length: batch * plan.inputSize }, () => rngData.normal()), [batch, h, w, c]);
  const labels = tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rngData.int(plan.classes)), 'int32'), plan.classes);
  const opt = tf.train.momentum(lr, optimizer.momentum);
  const wd = optimizer.weightDecay;
  const loss = (): Tf.Scalar => {
    let y: Tf.Tensor = x;
    for (const layer of layers) y = layer(y);
    let l = tf.losses.softmaxCrossEntropy(labels, y) as Tf.Scalar;
    if (wd > 0) for (const v of decayed) l = tf.add(l, tf.mul(0.5 * wd, tf.sum(tf.square(v))));
    return l;
  };
  return {
    step: () => opt.minimize(loss, true, vars) as Tf.Scalar,
    dispose: () => {
      opt.dispose();
      for (const v of vars) v.dispose();
      x.dispose();
      labels.dispose();
    },
  };
}

export interface Timing {
  /** Samples per second of each timed run. */
  rates: number[];
  median: number;
  steps: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * One warm-up step (compiles shaders, allocates), then `runs` timings of `steps` steps each; every
 * timing ends by reading the last loss back, so it includes all the backend's queued work.
 */
export async function timeTfjs(model: TfjsModel, batch: number, steps: number, runs: number,
  onRun: (rate: number) => void = () => {}): Promise<Timing> {
  const once = async (n: number): Promise<number> => {
    let last: Tf.Scalar | undefined;
    for (let s = 0; s < n; s++) {
      last?.dispose();
      last = model.step();
    }
    const value = (await last!.data())[0];
    last!.dispose();
    if (!Number.isFinite(value)) throw new Error(`non-finite loss ${value}`);
    return value;
  };
  await once(1);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await once(steps);
    rates.push((steps * batch) / ((performance.now() - start) / 1000));
    onRun(rates[rates.length - 1]);
  }
  return { rates, median: median(rates), steps };
}
