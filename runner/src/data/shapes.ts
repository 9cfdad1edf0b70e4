/**
 * The `shapes` dataset: synthetic images made at the network's own input size, deterministic by
 * seed and index (each sample has its own random stream, so a sample is the same whatever the
 * batch size or order). One shape per image on a noisy background, with random size, position and
 * colours; the label is the shape's class.
 */
import { Rng, mixSeed } from '../rng';
import { standardise } from './standardise';

export const SHAPE_CLASSES = [
  'circle', 'square', 'triangle', 'cross', 'ring', 'diamond', 'x', 'frame', 'bar', 'half-disc',
] as const;

/** Is the point (u, v), in the shape's own frame scaled to [-1, 1], inside shape k? */
function inside(k: number, u: number, v: number): boolean {
  const au = Math.abs(u), av = Math.abs(v);
  switch (k) {
    case 0: return u * u + v * v <= 1;
    case 1: return au <= 0.8 && av <= 0.8;
    case 2: return v >= -0.9 && v <= 0.8 && au <= ((v + 0.9) / 1.7) * 0.95;
    case 3: return (au <= 0.28 && av <= 0.95) || (av <= 0.28 && au <= 0.95);
    case 4: { const r = u * u + v * v; return r <= 1 && r >= 0.36; }
    case 5: return au + av <= 1;
    case 6: return au <= 0.9 && av <= 0.9 && (Math.abs(u - v) <= 0.4 || Math.abs(u + v) <= 0.4);
    case 7: { const m = Math.max(au, av); return m <= 0.85 && m >= 0.5; }
    case 8: return av <= 0.3 && au <= 0.95;
    default: return v >= 0 && u * u + v * v <= 1;
  }
}

export class ShapesDataset {
  readonly classes: number;
  readonly classNames: string[];
  private readonly H: number;
  private readonly W: number;
  private readonly C: number;

  constructor(input: [number, number, number], networkClasses: number, private readonly seed: number) {
    [this.H, this.W, this.C] = input;
    this.classes = Math.max(1, Math.min(SHAPE_CLASSES.length, networkClasses));
    this.classNames = SHAPE_CLASSES.slice(0, this.classes) as unknown as string[];
  }

  /**
   * Writes sample `index` of `split` at out[offset..] (H, W, C, standardised per image) and
   * returns its label. Train and validation draw from different streams, so they never share an image.
   */
  sample(split: 'train' | 'val', index: number, out: Float32Array, offset: number): number {
    const rng = new Rng(mixSeed(this.seed, split === 'train' ? 1 : 2, index), 3);
    const { H, W, C } = this;
    const label = rng.int(this.classes);
    const side = Math.min(H, W);
    const radius = side * (0.26 + 0.16 * rng.uniform());
    const cy = radius * 0.8 + rng.uniform() * Math.max(0, H - 1.6 * radius);
    const cx = radius * 0.8 + rng.uniform() * Math.max(0, W - 1.6 * radius);
    const background: number[] = [], ink: number[] = [];
    // Contrast of at least 0.35 between shape and background, so every class stays visible in grey.
    const bgLevel = rng.uniform();
    const inkLevel = bgLevel < 0.5 ? bgLevel + 0.35 + rng.uniform() * (0.65 - bgLevel) : bgLevel - 0.35 - rng.uniform() * (bgLevel - 0.35);
    for (let c = 0; c < C; c++) {
      background.push(C === 1 ? bgLevel : clamp(bgLevel + 0.25 * (rng.uniform() - 0.5)));
      ink.push(C === 1 ? inkLevel : clamp(inkLevel + 0.25 * (rng.uniform() - 0.5)));
    }
    const noise = 0.02 + 0.04 * rng.uniform();
    for (let y = 0; y < H; y++) {
      const v = (y + 0.5 - cy) / radius;
      for (let x = 0; x < W; x++) {
        const u = (x + 0.5 - cx) / radius;
        const isInk = inside(label, u, v);
        const o = offset + (y * W + x) * C;
        for (let c = 0; c < C; c++) out[o + c] = (isInk ? ink[c] : background[c]) + noise * rng.normal();
      }
    }
    standardise(out, offset, H * W * C);
    return label;
  }
}

function clamp(v: number): number {
  return Math.min(1, Math.max(0, v));
}
