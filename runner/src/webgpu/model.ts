/**
 * The whole network on WebGPU. Built once per job for its batch size: every buffer, pipeline and
 * bind group exists before the first step, and a training step is one queue write of the batch,
 * one compute pass (forward, loss, backward, optimiser) and one submit. Losses stay in a log on
 * the device until the trainer asks for them.
 */
import type { ModelOptions, OptimizerState, TrainingModel } from '../backend';
import type { NamedTensor } from '../init';
import type { Plan, Step } from '../plan';
import { mixSeed } from '../rng';
import { TrainingError } from '../trainingError';
import { INPUT_SOURCE, wire } from '../wiring';
import { GpuActivation } from './activation';
import { accumulateKernel, GpuAdd } from './add';
import { GpuBatchNorm } from './batchnorm';
import { GpuConcat } from './concat';
import { GpuConv } from './conv';
import { GpuDropout } from './dropout';
import { readBuffer, storage, watchPipelines, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';
import { GpuLrn } from './lrn';
import { optimizerKernels, encode, type GpuOptimizer } from './optimizer';
import { GpuGlobalAvgPool, GpuPool } from './pool';
import { GpuSoftmaxLoss, LOSS_LOG_SLOTS } from './softmaxLoss';

/** Enough parallel work items for a real GPU; CPU drivers are indifferent past a few thousand. */
const TARGET_INVOCATIONS = 65536;

export function gpuLayer(device: GPUDevice, step: Step, params: Float32Array[], state: Float32Array[], io: LayerBuffers, batch: number, seed: number): GpuLayer {
  switch (step.kind) {
    case 'conv': case 'fc': return new GpuConv(device, step, params, io, batch, TARGET_INVOCATIONS);
    case 'maxpool': case 'avgpool': return new GpuPool(device, step, io, batch);
    case 'globalavgpool': return new GpuGlobalAvgPool(device, step, io, batch);
    case 'activation': return new GpuActivation(device, step, params, io, batch);
    case 'dropout': return new GpuDropout(device, step, io, batch, seed);
    case 'lrn': return new GpuLrn(device, step, io, batch);
    case 'batchnorm': return new GpuBatchNorm(device, step, params, state, io, batch);
    case 'add': return new GpuAdd(device, step, io, batch);
    case 'concat': return new GpuConcat(device, step, io, batch);
  }
}

export function stepInfoBuffer(device: GPUDevice): GPUBuffer {
  return device.createBuffer({ label: 'step info', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
}

export function writeStepInfo(device: GPUDevice, buffer: GPUBuffer, draw: number, slot: number, lr: number, adamStep: number): void {
  const data = new ArrayBuffer(16);
  new Uint32Array(data, 0, 2).set([draw >>> 0, slot >>> 0]);
  new Float32Array(data, 8, 2).set([lr, adamStep]);
  device.queue.writeBuffer(buffer, 0, data);
}

export class WebGpuModel implements TrainingModel {
  readonly backend = 'webgpu' as const;
  private readonly input: GPUBuffer;
  private readonly layers: GpuLayer[];
  /** Per step: whether it has a backward (its output reaches the loss). */
  private readonly backward: boolean[];
  /** Per step: the kernels after its backward that add the gradients it wrote to scratch (fan-out). */
  private readonly gradientSums: Kernel[][];
  private readonly loss: GpuSoftmaxLoss;
  private readonly optimizer: GpuOptimizer;
  private readonly paramSizes: number[];
  private readonly stepInfo: GPUBuffer;
  private readonly labelScratch: Float32Array<ArrayBuffer>;
  private pendingLosses = 0;
  private steps = 0;
  private lost: string | undefined;
  private errors: string[] = [];

  private constructor(private readonly device: GPUDevice, private readonly plan: Plan, params: NamedTensor[], state: NamedTensor[], options: ModelOptions, private readonly batch: number, private readonly names: { name: string; shape: number[] }[]) {
    void device.lost.then((info) => { this.lost = `${info.reason}: ${info.message}`; });
    device.addEventListener('uncapturederror', (event) => { this.errors.push((event as GPUUncapturedErrorEvent).error.message); });
    this.stepInfo = stepInfoBuffer(device);
    this.input = storage(device, 'input batch', batch * plan.inputSize);
    this.labelScratch = new Float32Array(batch);
    const { sources, gradient, gradientSlot, gradientSlotSizes, scratchSizes, backward } = wire(plan);
    this.backward = backward;
    const outputs = plan.steps.map((s) => storage(device, `${s.name} ${s.kind} output`, batch * s.outSize));
    const gradients = gradientSlotSizes.map((n, j) => storage(device, `gradient buffer ${j}`, batch * n));
    // A later reader of an output writes its gradient to scratch, and a kernel adds it to the
    // gradient the first reader wrote (kernels assign their input gradients; none adds in place).
    const scratch = scratchSizes.map((n, k) => storage(device, `gradient scratch ${k}`, batch * n));
    const gradientOf = (i: number) => gradients[gradientSlot[i]];
    let p = 0, q = 0;
    this.gradientSums = [];
    this.layers = plan.steps.map((step, i) => {
      const mine = params.slice(p, (p += step.params.length)).map((t) => t.data);
      const myState = state.slice(q, (q += step.state.length)).map((t) => t.data);
      const inputs = sources[i].map((s) => (s === INPUT_SOURCE ? this.input : outputs[s]));
      const inputGrads = gradient[i].map((w, k) => (w === 'skip' ? undefined : w === 'assign' ? gradientOf(sources[i][k]) : scratch[k]));
      this.gradientSums.push(gradient[i].flatMap((w, k) => w === 'add'
        ? [accumulateKernel(device, 'gradient sum', scratch[k], gradientOf(sources[i][k]), batch * plan.steps[sources[i][k]].outSize)]
        : []));
      // A step without backward never reads its output gradient, but its kernels are built with one.
      const outputGrad = backward[i] ? gradientOf(i) : storage(device, `${step.name} unused gradient`, batch * step.outSize);
      const io: LayerBuffers = {
        input: inputs[0], output: outputs[i], outputGrad, inputGrad: inputGrads[0], inputs, inputGrads, stepInfo: this.stepInfo,
      };
      return gpuLayer(device, step, mine, myState, io, batch, mixSeed(options.seed, 0xd0, i));
    });
    this.loss = new GpuSoftmaxLoss(device, outputs.at(-1)!, gradientOf(plan.steps.length - 1), this.stepInfo, batch, plan.classes, options.smoothing ?? 0);
    const decays = plan.steps.flatMap((s) => s.params.map((x) => x.decay));
    const sizes = plan.steps.flatMap((s) => s.params.map((x) => x.size));
    this.paramSizes = sizes;
    this.optimizer = optimizerKernels(device, options.optimizer, this.layers.flatMap((l) => l.params), this.layers.flatMap((l) => l.grads), sizes, decays, this.stepInfo, options.resume);
    this.steps = options.resume?.steps ?? 0;
  }

  /** `onPipeline` hears each compute pipeline as it is built (the watchdog's heartbeat while they build). */
  static async create(device: GPUDevice, plan: Plan, params: NamedTensor[], state: NamedTensor[], options: ModelOptions, batch: number, onPipeline?: (label: string) => void): Promise<WebGpuModel> {
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    const unwatch = onPipeline ? watchPipelines(device, onPipeline) : () => {};
    let model: WebGpuModel;
    try {
      model = new WebGpuModel(device, plan, params, state, options, batch, [...params, ...state].map((t) => ({ name: t.name, shape: t.shape })));
    } finally {
      unwatch();
    }
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    if (oom) throw new TrainingError('too-large', `the adapter ran out of memory building the network at batch ${batch}: ${oom.message}; lower the batch size`);
    if (invalid) throw new TrainingError('internal', `a WebGPU kernel failed to build: ${invalid.message}`);
    return model;
  }

  private check(): void {
    if (this.lost) throw new TrainingError('device-lost', `the GPU device was lost (${this.lost}); the runner is still up, start the job again`);
    if (this.errors.length) throw new TrainingError('internal', `WebGPU error: ${this.errors[0]}`);
  }

  private upload(x: Float32Array, labels: Int32Array, n: number): void {
    if (n > this.batch) throw new Error(`batch of ${n} exceeds the model's ${this.batch}`);
    this.device.queue.writeBuffer(this.input, 0, x.buffer as ArrayBuffer, x.byteOffset, n * this.plan.inputSize * 4);
    this.labelScratch.fill(0);
    for (let b = 0; b < n; b++) this.labelScratch[b] = labels[b];
    this.device.queue.writeBuffer(this.loss.labels, 0, this.labelScratch);
  }

  trainStep(x: Float32Array, labels: Int32Array, batch: number, lr: number): void {
    this.check();
    if (batch !== this.batch) throw new Error(`the WebGPU model trains on full batches of ${this.batch}, got ${batch}`);
    if (this.pendingLosses >= LOSS_LOG_SLOTS) throw new Error('read the losses back at least every 4096 steps');
    this.upload(x, labels, batch);
    writeStepInfo(this.device, this.stepInfo, this.steps, this.pendingLosses, lr, this.steps + 1);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.encodeLossAndGradients(pass);
    for (const k of this.optimizer.kernels) encode(pass, k);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.pendingLosses++;
    this.steps++;
  }

  /** Forward, loss into the log slot of the step info, backward in reverse step order. */
  private encodeLossAndGradients(pass: GPUComputePassEncoder): void {
    for (const layer of this.layers) layer.encodeForward(pass, true);
    this.loss.encodeTrain(pass);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      if (!this.backward[i]) continue;
      this.layers[i].encodeBackward(pass);
      for (const k of this.gradientSums[i]) encode(pass, k);
    }
  }

  /**
   * The loss of a batch and every parameter's gradient (plan order), without an optimiser step or
   * advancing the step count: what the gradient checks compare with finite differences.
   */
  async lossAndGradients(x: Float32Array, labels: Int32Array, batch: number): Promise<{ loss: number; grads: Float32Array[] }> {
    this.check();
    if (batch !== this.batch) throw new Error(`the WebGPU model works on full batches of ${this.batch}, got ${batch}`);
    if (this.pendingLosses >= LOSS_LOG_SLOTS) throw new Error('read the losses back at least every 4096 steps');
    this.upload(x, labels, batch);
    writeStepInfo(this.device, this.stepInfo, this.steps, this.pendingLosses, 0, this.steps + 1);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.encodeLossAndGradients(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const [loss] = await readBuffer(this.device, this.loss.lossLog, 1, this.pendingLosses);
    const grads: Float32Array[] = [];
    for (const layer of this.layers) {
      for (let j = 0; j < layer.grads.length; j++) grads.push(await readBuffer(this.device, layer.grads[j], layer.step.params[j].size));
    }
    this.check();
    return { loss, grads };
  }

  /** Overwrites parameter `index` (plan order) with `data`. */
  writeParameter(index: number, data: Float32Array): void {
    const buffer = this.layers.flatMap((l) => l.params)[index];
    this.device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  async takeLosses(): Promise<number[]> {
    this.check();
    if (this.pendingLosses === 0) return [];
    const n = this.pendingLosses;
    this.pendingLosses = 0;
    const losses = await readBuffer(this.device, this.loss.lossLog, n);
    this.check();
    return Array.from(losses);
  }

  async predict(x: Float32Array, n: number): Promise<Float32Array> {
    this.check();
    this.upload(x, new Int32Array(n), n);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const layer of this.layers) layer.encodeForward(pass, false);
    this.loss.encodeInfer(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const probs = await readBuffer(this.device, this.loss.probs, n * this.plan.classes);
    this.check();
    return probs;
  }

  async tensors(): Promise<NamedTensor[]> {
    const buffers = [...this.layers.flatMap((l) => l.params), ...this.layers.flatMap((l) => l.state)];
    const out: NamedTensor[] = [];
    for (let i = 0; i < buffers.length; i++) {
      const size = this.names[i].shape.reduce((a, b) => a * b, 1);
      out.push({ name: this.names[i].name, shape: this.names[i].shape, data: await readBuffer(this.device, buffers[i], size) });
    }
    return out;
  }

  async optimizerState(): Promise<OptimizerState> {
    const read = async (buffers: GPUBuffer[]) => {
      const out: Float32Array[] = [];
      for (let j = 0; j < buffers.length; j++) out.push(await readBuffer(this.device, buffers[j], this.paramSizes[j]));
      return out;
    };
    const state = { steps: this.steps, first: await read(this.optimizer.first), second: await read(this.optimizer.second) };
    this.check();
    return state;
  }

  dispose(): void {
    this.device.destroy();
  }
}
