/**
 * Predictions from a finished run: the network of a .cnn file with a run folder's
 * weights.safetensors, on PNG or JPEG files, as the top-5 classes with their probabilities.
 * Images are prepared as the run's dataset prepared its own (runner/src/data/): for mnist and
 * fashion-mnist a grey 28x28 image (bilinear resize) fitted to the input by the datasets' rule;
 * otherwise a bilinear resize to the input; then standardised per image. Class names are the run's
 * (settings.json `classes`: the folder dataset's sub-folder names, the digits 0-9, Fashion-MNIST's names).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Activation, Dataset, Init, Network } from '../../server/src/language/network';
import { DEFAULT_OPTIMIZER } from './backend';
import { createModel } from './backends';
import { decodeImage, resizeInto, type RgbaImage } from './data/images';
import { classNamesOf, DIGIT_SIDE, fitDigit } from './data/mnist';
import { standardise } from './data/standardise';
import type { NamedTensor } from './init';
import { buildPlan, type Plan } from './plan';
import { readRunWeights } from './runFolder';

export class PredictError extends Error {}

export interface ClassScore {
  /** The softmax output's index. */
  index: number;
  name: string;
  probability: number;
}

export interface Prediction {
  file: string;
  top: ClassScore[];
}

export interface RunSettings {
  dataset?: Dataset;
  classes?: string[];
  act?: Activation;
  init?: Init;
}

/** The newest run folder of `networkName` beside a .cnn file (in `dir/.cnn-runs`) that has weights. */
export function latestRunWithWeights(dir: string, networkName: string | undefined): string | undefined {
  const root = join(dir, '.cnn-runs');
  const prefix = `${(networkName ?? 'network').replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'network'}-`;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return undefined;
  }
  const runs = names
    .filter((n) => n.startsWith(prefix) && /^\d{4}-\d\d-\d\dT/.test(n.slice(prefix.length)) && existsSync(join(root, n, 'weights.safetensors')))
    .map((n) => ({ path: join(root, n), modified: statSync(join(root, n, 'weights.safetensors')).mtimeMs }));
  runs.sort((a, b) => b.modified - a.modified || b.path.localeCompare(a.path));
  return runs[0]?.path;
}

function readRunSettings(runDir: string): RunSettings {
  try {
    return JSON.parse(readFileSync(join(runDir, 'settings.json'), 'utf8')) as RunSettings;
  } catch (error) {
    throw new PredictError(`cannot read ${join(runDir, 'settings.json')}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * The network's plan as the run trained it (with the act or init the run overrode) and the run's
 * weights for it, checked tensor by tensor.
 */
export function runWeights(network: Network, runDir: string): { settings: RunSettings; plan: Plan; params: NamedTensor[]; state: NamedTensor[] } {
  const settings = readRunSettings(runDir);
  let plan: Plan;
  try {
    plan = buildPlan(network, { act: settings.act, init: settings.init });
  } catch (error) {
    throw new PredictError((error as Error).message);
  }
  try {
    return { settings, plan, ...readRunWeights(plan, runDir) };
  } catch (error) {
    throw new PredictError((error as Error).message);
  }
}

/** One decoded image as the network's input, prepared as the run's dataset prepared its images. */
export function prepareImage(image: RgbaImage, input: [number, number, number], dataset: Dataset | undefined): Float32Array {
  const [H, W, C] = input;
  const out = new Float32Array(H * W * C);
  if (C !== 1 && C !== 3) throw new PredictError(`images can feed an input of 1 or 3 channels, not ${C}`);
  if (dataset?.kind === 'mnist' || dataset?.kind === 'fashion-mnist') {
    const grey = new Float32Array(DIGIT_SIDE * DIGIT_SIDE);
    resizeInto(image, DIGIT_SIDE, DIGIT_SIDE, 1, grey, 0);
    fitDigit(grey, H, W, C, out, 0);
    return out;
  }
  resizeInto(image, H, W, C, out, 0);
  standardise(out, 0, out.length);
  return out;
}

export function topClasses(probs: Float32Array, names: string[], k = 5): ClassScore[] {
  return [...probs]
    .map((probability, index) => ({ index, name: names[index] ?? `class ${index}`, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

/** The top-5 classes of each image, with the weights of `runDir`, on the cpu backend. */
export async function predictImages(network: Network, runDir: string, files: string[]): Promise<Prediction[]> {
  const { settings, plan, params, state } = runWeights(network, runDir);
  const names = settings.classes ?? (settings.dataset?.kind === 'mnist' || settings.dataset?.kind === 'fashion-mnist' ? classNamesOf(settings.dataset.kind) : []);
  const inputs = files.map((file) => {
    let image: RgbaImage;
    try {
      image = decodeImage(file, readFileSync(file));
    } catch (error) {
      throw new PredictError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return prepareImage(image, plan.input, settings.dataset);
  });
  const { model } = await createModel('cpu', plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 0 }, 1);
  try {
    const predictions: Prediction[] = [];
    for (const [i, file] of files.entries()) {
      const probs = await model.predict(inputs[i], 1);
      predictions.push({ file, top: topClasses(probs.subarray(0, plan.classes), names) });
    }
    return predictions;
  } finally {
    model.dispose();
  }
}
