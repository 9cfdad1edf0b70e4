/**
 * Batch normalisation on WebGPU: one invocation per channel computes the batch statistics (and
 * updates the running ones), then one per element normalises; backward mirrors it.
 */
import type { BatchNormStep } from '../plan';
import { BATCHNORM_EPSILON, BATCHNORM_MOMENTUM } from '../reference/batchnorm';
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

export class GpuBatchNorm implements GpuLayer {
  readonly params: GPUBuffer[];
  readonly grads: GPUBuffer[];
  readonly state: GPUBuffer[];
  private readonly trainKernels: Kernel[];
  private readonly inferKernels: Kernel[];
  private readonly backward: Kernel[] = [];

  constructor(device: GPUDevice, readonly step: BatchNormStep, params: Float32Array[], state: Float32Array[], io: LayerBuffers, batch: number) {
    this.params = params.map((p, i) => storage(device, `${step.layer} param ${i}`, p.length, p));
    this.grads = params.map((p, i) => storage(device, `${step.layer} grad ${i}`, p.length));
    this.state = state.map((s, i) => storage(device, `${step.layer} running ${i}`, s.length, s));
    const C = step.channels, n = batch * step.inSize, M = n / C;
    const [gamma, beta] = this.params, [dgamma, dbeta] = this.grads, [runMean, runVar] = this.state;
    const meanInv = storage(device, `${step.layer} mean and 1/std`, 2 * C);
    const xhat = storage(device, `${step.layer} xhat`, n);
    const statsBody = (training: boolean) => training ? `
  var mean = 0.0;
  for (var j = i; j < ${n}u; j += ${C}u) { mean += b0[j]; }
  mean /= ${M}.0;
  var v = 0.0;
  for (var j = i; j < ${n}u; j += ${C}u) { let d = b0[j] - mean; v += d * d; }
  v /= ${M}.0;
  b1[i] = mean; b1[${C}u + i] = 1.0 / sqrt(v + ${f32c(BATCHNORM_EPSILON)});
  b2[i] = ${f32c(1 - BATCHNORM_MOMENTUM)} * b2[i] + ${f32c(BATCHNORM_MOMENTUM)} * mean;
  b3[i] = ${f32c(1 - BATCHNORM_MOMENTUM)} * b3[i] + ${f32c(BATCHNORM_MOMENTUM)} * v * ${M > 1 ? `${M}.0 / ${M - 1}.0` : '1.0'};` : `
  b1[i] = b2[i]; b1[${C}u + i] = 1.0 / sqrt(b3[i] + ${f32c(BATCHNORM_EPSILON)});`;
    const stats = (training: boolean) => makeKernel(device, 'batchnorm statistics', [
      { buffer: io.input, access: 'read' }, { buffer: meanInv, access: 'read_write' }, { buffer: runMean, access: 'read_write' }, { buffer: runVar, access: 'read_write' },
    ], C, statsBody(training));
    const normalise = makeKernel(device, 'batchnorm normalise', [
      { buffer: io.input, access: 'read' }, { buffer: meanInv, access: 'read' }, { buffer: gamma, access: 'read' }, { buffer: beta, access: 'read' },
      { buffer: xhat, access: 'read_write' }, { buffer: io.output, access: 'read_write' },
    ], n, `
  let c = i % ${C}u;
  let h = (b0[i] - b1[c]) * b1[${C}u + c];
  b4[i] = h;
  b5[i] = b2[c] * h + b3[c];`);
    this.trainKernels = [stats(true), normalise];
    this.inferKernels = [stats(false), normalise];
    this.backward.push(makeKernel(device, 'batchnorm parameter gradient', [
      { buffer: io.outputGrad, access: 'read' }, { buffer: xhat, access: 'read' }, { buffer: dgamma, access: 'read_write' }, { buffer: dbeta, access: 'read_write' },
    ], C, `
  var sg = 0.0; var sb = 0.0;
  for (var j = i; j < ${n}u; j += ${C}u) { sg += b0[j] * b1[j]; sb += b0[j]; }
  b2[i] = sg; b3[i] = sb;`));
    if (io.inputGrad) {
      this.backward.push(makeKernel(device, 'batchnorm input gradient', [
        { buffer: io.outputGrad, access: 'read' }, { buffer: xhat, access: 'read' }, { buffer: meanInv, access: 'read' }, { buffer: gamma, access: 'read' },
        { buffer: dgamma, access: 'read' }, { buffer: dbeta, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' },
      ], n, `
  let c = i % ${C}u;
  b6[i] = (b3[c] * b2[${C}u + c] / ${M}.0) * (${M}.0 * b0[i] - b5[c] - b1[i] * b4[c]);`));
    }
  }

  encodeForward(pass: GPUComputePassEncoder, training: boolean): void {
    for (const k of training ? this.trainKernels : this.inferKernels) encode(pass, k);
  }
  encodeBackward(pass: GPUComputePassEncoder): void { for (const k of this.backward) encode(pass, k); }
}
