/** Element-wise activations on WebGPU; PReLU's slope gradient is one reduction per slope. */
import { LEAKY_RELU_SLOPE, RELU6_CEILING } from '../reference/activation';
import type { ActivationStep } from '../plan';
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

export class GpuActivation implements GpuLayer {
  readonly params: GPUBuffer[];
  readonly grads: GPUBuffer[];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel;
  private readonly backward: Kernel[] = [];

  constructor(device: GPUDevice, readonly step: ActivationStep, params: Float32Array[], io: LayerBuffers, batch: number) {
    this.params = params.map((p, i) => storage(device, `${step.layer} slope ${i}`, p.length, p));
    this.grads = params.map((p, i) => storage(device, `${step.layer} slope grad ${i}`, p.length));
    const n = batch * step.inSize;
    const C = step.channels;
    const prelu = step.act === 'prelu' || step.act === 'prelu-shared';
    const slope = step.act === 'prelu' ? `b2[i % ${C}u]` : step.act === 'prelu-shared' ? 'b2[0]' : f32c(LEAKY_RELU_SLOPE);
    const fwd: Record<string, string> = {
      relu: 'b1[i] = max(b0[i], 0.0);',
      relu6: `b1[i] = clamp(b0[i], 0.0, ${f32c(RELU6_CEILING)});`,
      leakyrelu: `b1[i] = select(${slope} * b0[i], b0[i], b0[i] > 0.0);`,
      prelu: `b1[i] = select(${slope} * b0[i], b0[i], b0[i] > 0.0);`,
      'prelu-shared': `b1[i] = select(${slope} * b0[i], b0[i], b0[i] > 0.0);`,
      tanh: 'b1[i] = tanh(b0[i]);',
      sigmoid: 'b1[i] = 1.0 / (1.0 + exp(-b0[i]));',
    };
    this.forward = makeKernel(device, `${step.act} forward`, [
      { buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' },
      ...(prelu ? [{ buffer: this.params[0], access: 'read' as const }] : []),
    ], n, `  ${fwd[step.act]}`);
    if (prelu) {
      // b0 = dy, b1 = x, b2 = slope gradient; one invocation per slope sums over its elements.
      const perSlope = step.act === 'prelu' ? C : n;
      const stride = step.act === 'prelu' ? C : 1;
      this.backward.push(makeKernel(device, `${step.act} slope gradient`, [
        { buffer: io.outputGrad, access: 'read' }, { buffer: io.input, access: 'read' }, { buffer: this.grads[0], access: 'read_write' },
      ], step.act === 'prelu' ? C : 1, `
  var s = 0.0;
  for (var j = i; j < ${n}u; j += ${stride}u) { let x = b1[j]; if (x <= 0.0) { s += b0[j] * x; } }
  b2[i] = s;`));
      void perSlope;
    }
    if (io.inputGrad) {
      // b0 = dy, b1 = x (or y for tanh and sigmoid), b2 = dx, b3 = slopes.
      const bwd: Record<string, string> = {
        relu: 'b2[i] = select(0.0, b0[i], b1[i] > 0.0);',
        relu6: `b2[i] = select(0.0, b0[i], b1[i] > 0.0 && b1[i] < ${f32c(RELU6_CEILING)});`,
        leakyrelu: `b2[i] = select(${slope.replace('b2', 'b3')} * b0[i], b0[i], b1[i] > 0.0);`,
        prelu: `b2[i] = select(${slope.replace('b2', 'b3')} * b0[i], b0[i], b1[i] > 0.0);`,
        'prelu-shared': `b2[i] = select(${slope.replace('b2', 'b3')} * b0[i], b0[i], b1[i] > 0.0);`,
        tanh: 'b2[i] = b0[i] * (1.0 - b1[i] * b1[i]);',
        sigmoid: 'b2[i] = b0[i] * b1[i] * (1.0 - b1[i]);',
      };
      const readsOutput = step.act === 'tanh' || step.act === 'sigmoid';
      this.backward.push(makeKernel(device, `${step.act} backward`, [
        { buffer: io.outputGrad, access: 'read' }, { buffer: readsOutput ? io.output : io.input, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' },
        ...(prelu ? [{ buffer: this.params[0], access: 'read' as const }] : []),
      ], n, `  ${bwd[step.act]}`));
    }
  }

  encodeForward(pass: GPUComputePassEncoder): void { encode(pass, this.forward); }
  encodeBackward(pass: GPUComputePassEncoder): void { for (const k of this.backward) encode(pass, k); }
}
