import { dropoutKeepThreshold, dropoutKeeps } from '../dropoutMask';
import type { DropoutStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';

/** Inverted dropout: kept units are scaled by 1 / (1 - rate) in training, so inference is the identity. */
export class ReferenceDropout implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  /** Which mask to draw: the model sets it to the step number before each training forward. */
  draw = 0;
  private mask: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  private training = false;

  constructor(readonly step: DropoutStep, private readonly seed: number) {}

  forward(x: Float32Array, _batch: number, training: boolean): Float32Array {
    this.training = training;
    if (!training || this.step.rate === 0) return x;
    const y = (this.y = sized(this.y, x.length));
    const mask = (this.mask = sized(this.mask, x.length));
    const threshold = dropoutKeepThreshold(this.step.rate);
    const scale = 1 / (1 - this.step.rate);
    for (let i = 0; i < x.length; i++) {
      mask[i] = dropoutKeeps(this.seed, this.draw, i, threshold) ? scale : 0;
      y[i] = x[i] * mask[i];
    }
    return y;
  }

  backward(dy: Float32Array): Float32Array {
    if (!this.training || this.step.rate === 0) return dy;
    const dx = (this.dx = sized(this.dx, dy.length));
    const mask = this.mask!;
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * mask[i];
    return dx;
  }
}
