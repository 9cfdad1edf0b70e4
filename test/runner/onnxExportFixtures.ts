/**
 * What the ONNX export tests share: the examples and a network with every layer kind and
 * activation, analysed from text; and onnxruntime's output against the runner's forward pass.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { createModel } from '../../runner/src/backends';
import type { NamedTensor } from '../../runner/src/init';
import { decodeModel, encodeModel } from '../../runner/src/onnx/onnxSchema';
import type { Plan } from '../../runner/src/plan';
import type { ReferenceModel } from '../../runner/src/reference/model';
import { Rng } from '../../runner/src/rng';

/**
 * Every layer kind and activation the language has, in the forms that need care in NCHW: groups,
 * rectangular kernels, strides and pads; LRN with an even size; pooling rounded up with and
 * without padding (a window past the padded edge); batchnorm on maps and on flat vectors; an add
 * of three; concat of maps and of vectors; fc reading a map, a 1x1 map and a vector.
 */
export const EVERY_KIND = `network every-kind
input 13x11x6

c1:  conv 8 f=3x2 s=2x1 p=1x0 groups=2 act=prelu
n1:  lrn size=4
bn1: batchnorm act=leakyrelu
p1:  maxpool f=3 s=2 p=1 round=ceil
a1:  avgpool f=3 s=2 p=1 round=ceil
c2:  conv 12 f=1 act=relu6 bias=false
b1:  conv 12 f=3 p=1 act=sigmoid from=c2
b2:  conv 12 f=1 act=prelu-shared from=c2
m1:  add from=c2,b1,b2 act=tanh
cat: concat from=m1,b1
a2:  avgpool f=2 s=2 round=ceil
a3:  avgpool f=3 s=1 p=1 from=cat
n3:  lrn size=3 from=cat
f1:  fc 20 act=relu from=cat
d1:  dropout rate=0.3
f2:  fc 16 act=prelu init=xavier
bn2: batchnorm act=relu6
n2:  dropout rate=0.1
g:   globalavgpool from=a3
f3:  fc 16 act=sigmoid init=he from=g
f4:  fc 16 act=none from=a2
f5:  fc 8 from=n3
j:   concat from=n2,f3,f4,f5
out: softmax 5
`;

export const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');

export function analyse(text: string, what: string): Network {
  const network = analyzeText(text).network;
  const errors = network.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `${what}: ${errors.map((d) => `line ${d.line}: ${d.message}`).join('; ')}`);
  return network;
}

/** The examples by name, smallest input first. */
export function examples(): { name: string; network: Network }[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.cnn'))
    .map((f) => ({ name: f, network: analyse(readFileSync(join(EXAMPLES_DIR, f), 'utf8'), f) }))
    .sort((a, b) => a.network.input!.reduce((x, y) => x * y, 1) - b.network.input!.reduce((x, y) => x * y, 1) || a.name.localeCompare(b.name));
}

/** Images of 224x224 and up: run once each, one image at a time. */
export const isLarge = (network: Network): boolean => network.input![0] >= 200;

export function randomInput(plan: Plan, batch: number, seed: number): Float32Array {
  const rng = new Rng(seed, 1);
  return Float32Array.from({ length: batch * plan.inputSize }, () => rng.normal());
}

/** Every tensor replaced by random values (variances positive), so each layout mistake shows. */
export function randomTensors(tensors: { params: NamedTensor[]; state: NamedTensor[] }, seed: number): { params: NamedTensor[]; state: NamedTensor[] } {
  const rng = new Rng(seed, 1);
  const fill = (t: NamedTensor): NamedTensor => ({
    ...t,
    data: Float32Array.from(t.data, () => (t.name.endsWith('.running_var') ? 0.5 + rng.uniform() : t.name.endsWith('.weight') && t.shape.length > 1 ? rng.normal() * Math.sqrt(2 / (t.data.length / t.shape[0])) : 0.5 * rng.normal())),
  });
  return { params: tensors.params.map(fill), state: tensors.state.map(fill) };
}

function toNchw(x: Float32Array, batch: number, [H, W, C]: [number, number, number]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out[((b * C + c) * H + h) * W + w] = x[((b * H + h) * W + w) * C + c];
  }
  return out;
}

/** The largest difference relative to the largest reference value, sample by sample. */
function relativeError(actual: Float32Array, expected: Float32Array, batch: number): number {
  const n = expected.length / batch;
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    let scale = 0, diff = 0;
    for (let i = b * n; i < (b + 1) * n; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

export interface Agreement {
  logits: number;
  probabilities: number;
}

/**
 * onnxruntime on the exported model against the runner's cpu backend on the same weights and
 * input (as `cnn predict` runs it): the probabilities, and the logits before the softmax (the
 * model's `<last>#logits`, made a graph output here), each within `tolerance` of the runner's
 * largest value in that sample.
 */
export async function assertAgrees(bytes: Uint8Array, plan: Plan, tensors: { params: NamedTensor[]; state: NamedTensor[] }, batch: number, seed: number, tolerance = 1e-4): Promise<Agreement> {
  const x = randomInput(plan, batch, seed);
  const { model } = await createModel('cpu', plan, tensors.params, tensors.state, { optimizer: DEFAULT_OPTIMIZER, seed: 0 }, batch);
  let logits: Float32Array, probabilities: Float32Array;
  try {
    logits = Float32Array.from((model as ReferenceModel).forward(x, batch, false));
    probabilities = await model.predict(x, batch);
  } finally {
    model.dispose();
  }
  const last = plan.steps[plan.steps.length - 1].name;
  const decoded = decodeModel(bytes) as { graph: { output: unknown[]; valueInfo: { name: string }[] } };
  decoded.graph.output.push(decoded.graph.valueInfo.find((v) => v.name === `${last}#logits`));
  const session = await InferenceSession.create(encodeModel(decoded));
  try {
    const [H, W, C] = plan.input;
    const result = await session.run({ input: new Tensor('float32', toNchw(x, batch, plan.input), [batch, C, H, W]) });
    const onnxProbabilities = result[last].data as Float32Array;
    const onnxLogits = result[`${last}#logits`].data as Float32Array;
    assert.deepEqual(result[last].dims, [batch, plan.classes]);
    const agreement = { logits: relativeError(onnxLogits, logits, batch), probabilities: relativeError(onnxProbabilities, probabilities, batch) };
    assert.ok(agreement.logits <= tolerance && agreement.probabilities <= tolerance, `${plan.name}: onnxruntime differs from the runner by ${agreement.logits.toExponential(2)} (logits) and ${agreement.probabilities.toExponential(2)} (probabilities) of the largest value`);
    return agreement;
  } finally {
    await session.release();
  }
}
