import type { BackendName, ModelOptions, OptimizerState, TrainingModel } from '../backend';
import type { NamedTensor } from '../init';
import type { AddStep, ConcatStep, Plan, Step } from '../plan';
import { mixSeed } from '../rng';
import { INPUT_SOURCE, wire, type Wiring } from '../wiring';
import { ReferenceActivation } from './activation';
import { ReferenceAdd } from './add';
import { ReferenceBatchNorm } from './batchnorm';
import { ReferenceConcat } from './concat';
import { ReferenceConv } from './conv';
import { ReferenceDropout } from './dropout';
import { ReferenceFc } from './fc';
import { sized, type ReferenceLayer, type ReferenceMerge } from './layer';
import { ReferenceLrn } from './lrn';
import { ReferenceOptimizer } from './optimizer';
import { ReferenceGlobalAvgPool, ReferencePool } from './pool';
import { softmaxCrossEntropy } from './softmaxLoss';

export function referenceLayer(step: Step, params: Float32Array[], state: Float32Array[], seed: number): ReferenceLayer {
  switch (step.kind) {
    case 'conv': return new ReferenceConv(step, params);
    case 'maxpool': case 'avgpool': return new ReferencePool(step);
    case 'globalavgpool': return new ReferenceGlobalAvgPool(step);
    case 'fc': return new ReferenceFc(step, params);
    case 'activation': return new ReferenceActivation(step, params);
    case 'dropout': return new ReferenceDropout(step, seed);
    case 'lrn': return new ReferenceLrn(step);
    case 'batchnorm': return new ReferenceBatchNorm(step, params, state);
    case 'add': case 'concat': throw new Error(`step ${step.name}: a ${step.kind} has several operands; build it with referenceMerge`);
  }
}

export function referenceMerge(step: AddStep | ConcatStep): ReferenceMerge {
  return step.kind === 'add' ? new ReferenceAdd(step) : new ReferenceConcat(step);
}

const isMerge = (layer: ReferenceLayer | ReferenceMerge): layer is ReferenceMerge => layer.step.kind === 'add' || layer.step.kind === 'concat';

/** Builds step i's layer from its parameters and state (copies the model owns) and its dropout seed. */
export type LayerFactory = (step: Step, params: Float32Array[], state: Float32Array[], seed: number) => ReferenceLayer | ReferenceMerge;

export const referenceFactory: LayerFactory = (step, params, state, seed) =>
  step.kind === 'add' || step.kind === 'concat' ? referenceMerge(step) : referenceLayer(step, params, state, seed);

/**
 * The whole network on Float32Arrays: the oracle the other backends are tested against. With another
 * layer factory it is the cpu backend too (its conv and fc on OpenBLAS, the wiring and the rest shared).
 */
export class ReferenceModel implements TrainingModel {
  readonly backend: BackendName;
  readonly layers: (ReferenceLayer | ReferenceMerge)[];
  readonly wiring: Wiring;
  /** The cpu backend puts its native optimiser here. */
  protected optimizer: { step(params: Float32Array[], grads: Float32Array[], lr: number): void; state(): OptimizerState };
  private readonly names: string[] = [];
  private readonly shapes: number[][] = [];
  private losses: number[] = [];
  private steps = 0;
  private probs: Float32Array | undefined;
  /** The wiring's gradient buffers, batch x slot size each. */
  private gradients: Float32Array[] = [];

  constructor(
    readonly plan: Plan, params: NamedTensor[], state: NamedTensor[], private readonly options: ModelOptions,
    build: LayerFactory = referenceFactory, backend: BackendName = 'reference',
  ) {
    this.backend = backend;
    let p = 0, s = 0;
    this.layers = plan.steps.map((step, i) => {
      const mine = params.slice(p, (p += step.params.length)).map((t) => Float32Array.from(t.data));
      const myState = state.slice(s, (s += step.state.length)).map((t) => Float32Array.from(t.data));
      return build(step, mine, myState, mixSeed(options.seed, 0xd0, i));
    });
    this.wiring = wire(plan);
    for (const t of [...params, ...state]) { this.names.push(t.name); this.shapes.push(t.shape); }
    const decays = plan.steps.flatMap((step) => step.params.map((q) => q.decay));
    this.optimizer = new ReferenceOptimizer(options.optimizer, this.layers.flatMap((l) => l.params), decays, options.resume);
    this.steps = options.resume?.steps ?? 0;
  }

  /** Logits for a batch. Each step reads the outputs the wiring names; every output is kept for backward. */
  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    const outputs: Float32Array[] = [];
    this.layers.forEach((layer, i) => {
      const xs = this.wiring.sources[i].map((s) => (s === INPUT_SOURCE ? x : outputs[s]));
      if (layer instanceof ReferenceDropout) layer.draw = this.steps;
      outputs.push(isMerge(layer) ? layer.forward(xs, batch) : layer.forward(xs[0], batch, training));
    });
    return outputs[outputs.length - 1];
  }

  /**
   * Forward, loss and backward: leaves the gradients in each layer's grads; returns the loss. Each
   * output's gradient is gathered in its wiring buffer: the first reader's gradient is copied in,
   * the others' added (an output read by several steps gets the sum).
   */
  lossAndGradients(x: Float32Array, labels: Int32Array, batch: number): number {
    const C = this.plan.classes;
    const { sources, gradient, gradientSlot, gradientSlotSizes, backward } = this.wiring;
    const steps = this.plan.steps;
    const logits = this.forward(x, batch, true);
    if (!this.probs || this.probs.length !== batch * C) this.probs = new Float32Array(batch * C);
    this.gradients = gradientSlotSizes.map((n, j) => sized(this.gradients[j], batch * n));
    const gradientOf = (i: number) => this.gradients[gradientSlot[i]].subarray(0, batch * steps[i].outSize);
    const loss = softmaxCrossEntropy(logits, labels, batch, C, this.probs, gradientOf(steps.length - 1), this.options.smoothing ?? 0);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      if (!backward[i]) continue;
      const layer = this.layers[i], dy = gradientOf(i), writes = gradient[i];
      const dxs = isMerge(layer)
        ? layer.backward(dy, batch, writes.map((w) => w !== 'skip'))
        : [layer.backward(dy, batch, writes[0] !== 'skip')];
      writes.forEach((write, k) => {
        if (write === 'skip') return;
        const target = gradientOf(sources[i][k]), dx = dxs[k];
        if (write === 'assign') target.set(dx.subarray(0, target.length));
        else for (let j = 0; j < target.length; j++) target[j] += dx[j];
      });
    }
    return loss;
  }

  trainStep(x: Float32Array, labels: Int32Array, batch: number, lr: number): void {
    const loss = this.lossAndGradients(x, labels, batch);
    this.losses.push(loss);
    this.optimizer.step(this.layers.flatMap((l) => l.params), this.layers.flatMap((l) => l.grads), lr);
    this.steps++;
  }

  async takeLosses(): Promise<number[]> {
    const out = this.losses;
    this.losses = [];
    return out;
  }

  async predict(x: Float32Array, batch: number): Promise<Float32Array> {
    const C = this.plan.classes;
    const logits = this.forward(x, batch, false);
    const probs = new Float32Array(batch * C);
    softmaxCrossEntropy(logits, new Int32Array(batch), batch, C, probs, undefined);
    return probs;
  }

  async tensors(): Promise<NamedTensor[]> {
    const data = [...this.layers.flatMap((l) => l.params), ...this.layers.flatMap((l) => l.state)];
    return data.map((d, i) => ({ name: this.names[i], shape: this.shapes[i], data: Float32Array.from(d) }));
  }

  async optimizerState(): Promise<OptimizerState> {
    return this.optimizer.state();
  }

  dispose(): void {}
}
