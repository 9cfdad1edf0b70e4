import type { ModelOptions, TrainingModel } from '../backend';
import type { NamedTensor } from '../init';
import type { Plan, Step } from '../plan';
import { mixSeed } from '../rng';
import { ReferenceActivation } from './activation';
import { ReferenceBatchNorm } from './batchnorm';
import { ReferenceConv } from './conv';
import { ReferenceDropout } from './dropout';
import { ReferenceFc } from './fc';
import type { ReferenceLayer } from './layer';
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
  }
}

/** The whole network on Float32Arrays: the oracle the WebGPU backend is tested against, and the CPU fallback. */
export class ReferenceModel implements TrainingModel {
  readonly backend = 'reference' as const;
  readonly layers: ReferenceLayer[];
  private readonly optimizer: ReferenceOptimizer;
  private readonly names: string[] = [];
  private readonly shapes: number[][] = [];
  private losses: number[] = [];
  private steps = 0;
  private probs: Float32Array | undefined;
  private dlogits: Float32Array | undefined;

  constructor(readonly plan: Plan, params: NamedTensor[], state: NamedTensor[], private readonly options: ModelOptions) {
    let p = 0, s = 0;
    this.layers = plan.steps.map((step, i) => {
      const mine = params.slice(p, (p += step.params.length)).map((t) => Float32Array.from(t.data));
      const myState = state.slice(s, (s += step.state.length)).map((t) => Float32Array.from(t.data));
      return referenceLayer(step, mine, myState, mixSeed(options.seed, 0xd0, i));
    });
    for (const t of [...params, ...state]) { this.names.push(t.name); this.shapes.push(t.shape); }
    const decays = plan.steps.flatMap((step) => step.params.map((q) => q.decay));
    this.optimizer = new ReferenceOptimizer(options.optimizer, this.layers.flatMap((l) => l.params), decays);
  }

  /** Logits for a batch. */
  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    let h = x;
    for (const layer of this.layers) {
      if (layer instanceof ReferenceDropout) layer.draw = this.steps;
      h = layer.forward(h, batch, training);
    }
    return h;
  }

  /** Forward, loss and backward: leaves the gradients in each layer's grads; returns the loss. */
  lossAndGradients(x: Float32Array, labels: Int32Array, batch: number): number {
    const C = this.plan.classes;
    const logits = this.forward(x, batch, true);
    if (!this.probs || this.probs.length !== batch * C) { this.probs = new Float32Array(batch * C); this.dlogits = new Float32Array(batch * C); }
    const loss = softmaxCrossEntropy(logits, labels, batch, C, this.probs, this.dlogits);
    let g: Float32Array = this.dlogits!;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g, batch, i > 0);
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

  dispose(): void {}
}
