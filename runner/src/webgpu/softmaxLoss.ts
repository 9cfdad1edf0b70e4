/**
 * Softmax with cross-entropy on WebGPU: per sample, probabilities, loss and (p - q) / B, q the
 * one-hot label or its smoothed form (reference/softmaxLoss.ts);
 * then one invocation writes the batch's mean loss into the loss log at this step's slot, so the
 * host reads many steps' losses with one copy.
 */
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';

export const LOSS_LOG_SLOTS = 4096;

export class GpuSoftmaxLoss {
  readonly labels: GPUBuffer;
  readonly probs: GPUBuffer;
  readonly lossLog: GPUBuffer;
  private readonly sampleLoss: GPUBuffer;
  private readonly train: Kernel[];
  private readonly infer: Kernel;

  constructor(device: GPUDevice, logits: GPUBuffer, dlogits: GPUBuffer, stepInfo: GPUBuffer, batch: number, classes: number, smoothing = 0) {
    this.labels = storage(device, 'labels', batch);
    this.probs = storage(device, 'probabilities', batch * classes);
    this.sampleLoss = storage(device, 'sample losses', batch);
    this.lossLog = storage(device, 'loss log', LOSS_LOG_SLOTS);
    const softmax = (withGrad: boolean) => `
  let o = i * ${classes}u;
  var mx = -3.4e38;
  for (var k = 0u; k < ${classes}u; k++) { mx = max(mx, b0[o + k]); }
  var s = 0.0;
  for (var k = 0u; k < ${classes}u; k++) { s += exp(b0[o + k] - mx); }
  let label = u32(b1[i]);
  for (var k = 0u; k < ${classes}u; k++) {
    let p = exp(b0[o + k] - mx) / s;
    b2[o + k] = p;
    ${withGrad ? (smoothing === 0
      ? `b4[o + k] = (p - select(0.0, 1.0, k == label)) / ${batch}.0;`
      : `b4[o + k] = (p - select(0.0, ${f32c(1 - smoothing)}, k == label) - ${f32c(smoothing / classes)}) / ${batch}.0;`) : ''}
  }
  ${withGrad && smoothing !== 0 ? `var allLogP = 0.0;
  for (var k = 0u; k < ${classes}u; k++) { allLogP += b0[o + k] - mx - log(s); }
  b3[i] = -(${f32c(1 - smoothing)} * (b0[o + label] - mx - log(s)) + ${f32c(smoothing / classes)} * allLogP);` : 'b3[i] = -(b0[o + label] - mx - log(s));'}`;
    this.train = [
      makeKernel(device, 'softmax cross-entropy', [
        { buffer: logits, access: 'read' }, { buffer: this.labels, access: 'read' }, { buffer: this.probs, access: 'read_write' },
        { buffer: this.sampleLoss, access: 'read_write' }, { buffer: dlogits, access: 'read_write' },
      ], batch, softmax(true)),
      makeKernel(device, 'mean loss', [{ buffer: this.sampleLoss, access: 'read' }, { buffer: this.lossLog, access: 'read_write' }, { buffer: stepInfo, access: 'uniform' }], 1, `
  var s = 0.0;
  for (var b = 0u; b < ${batch}u; b++) { s += b0[b]; }
  b1[b2.slot] = s / ${batch}.0;`),
    ];
    this.infer = makeKernel(device, 'softmax', [
      { buffer: logits, access: 'read' }, { buffer: this.labels, access: 'read' }, { buffer: this.probs, access: 'read_write' }, { buffer: this.sampleLoss, access: 'read_write' },
    ], batch, softmax(false));
  }

  encodeTrain(pass: GPUComputePassEncoder): void { for (const k of this.train) encode(pass, k); }
  encodeInfer(pass: GPUComputePassEncoder): void { encode(pass, this.infer); }
}
