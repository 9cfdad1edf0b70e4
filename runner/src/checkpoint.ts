/**
 * A run's checkpoint, `checkpoint.safetensors` in its folder: everything a run needs to continue
 * exactly as if it had never stopped. The model's tensors (named as in weights.safetensors), the
 * optimiser's moments (`optimizer.first.<param>`, and `optimizer.second.<param>` for Adam), and in
 * the metadata the position: epochs finished, steps done in the next epoch, the global step count
 * (the dropout masks' draw and Adam's bias-correction step), and the training losses of the epoch
 * in progress so far. The data order needs no state: epoch E's order is a shuffle seeded by
 * (seed, E) alone, and the schedule is a function of (epoch, step), so the position fixes both.
 */
import type { OptimizerState } from './backend';
import type { NamedTensor } from './init';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

export const CHECKPOINT_FORMAT = 'cnn-spec checkpoint 1';

export interface TrainingPosition {
  /** Epochs finished. */
  epoch: number;
  /** Steps done in epoch `epoch + 1` (0 at an epoch's end; more when a run stopped mid-epoch). */
  stepInEpoch: number;
  /** Training steps done since the start of the run. */
  steps: number;
  /** The training losses of epoch `epoch + 1` so far: their sum and count (0, 0 at an epoch's end). */
  epochLossSum: number;
  epochLossCount: number;
}

export interface Checkpoint {
  position: TrainingPosition;
  /** Parameters then running statistics, as TrainingModel.tensors() gives them. */
  tensors: NamedTensor[];
  optimizer: OptimizerState;
}

export class CheckpointError extends Error {}

const FIRST = 'optimizer.first.';
const SECOND = 'optimizer.second.';

/**
 * The checkpoint file. `paramCount` says how many of `tensors` are parameters (the moments
 * follow them in order); `description` goes into the metadata for a person reading the file.
 */
export function encodeCheckpoint(checkpoint: Checkpoint, paramCount: number, description: Record<string, string> = {}): Buffer {
  const params = checkpoint.tensors.slice(0, paramCount);
  const moments = (prefix: string, data: Float32Array[]) => data.map((d, j) => ({ name: prefix + params[j].name, shape: params[j].shape, data: d }));
  return encodeSafetensors(
    [...checkpoint.tensors, ...moments(FIRST, checkpoint.optimizer.first), ...moments(SECOND, checkpoint.optimizer.second)],
    { ...description, format: CHECKPOINT_FORMAT, position: JSON.stringify(checkpoint.position) },
  );
}

/**
 * Reads a checkpoint for a model whose tensors are `expected` (names and shapes, parameters first,
 * `paramCount` of them), refusing one that does not fit with a message naming what differs.
 */
export function decodeCheckpoint(file: Buffer, expected: { name: string; shape: number[] }[], paramCount: number, adam: boolean): Checkpoint {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(file);
  } catch (error) {
    throw new CheckpointError((error as Error).message);
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`its format is ${JSON.stringify(metadata.format ?? null)}, not "${CHECKPOINT_FORMAT}"`);
  const position = readPosition(metadata.position);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const take = (name: string, shape: number[]): Float32Array => {
    const t = byName.get(name);
    if (!t) throw new CheckpointError(`it has no tensor ${name}: it was written for another network`);
    if (t.shape.join('x') !== shape.join('x')) throw new CheckpointError(`tensor ${name} is ${t.shape.join('x')}, the network's is ${shape.join('x')}`);
    return t.data;
  };
  const params = expected.slice(0, paramCount);
  return {
    position,
    tensors: expected.map((e) => ({ name: e.name, shape: e.shape, data: take(e.name, e.shape) })),
    optimizer: {
      steps: position.steps,
      first: params.map((p) => take(FIRST + p.name, p.shape)),
      second: adam ? params.map((p) => take(SECOND + p.name, p.shape)) : [],
    },
  };
}

function readPosition(text: string | undefined): TrainingPosition {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new CheckpointError('its metadata has no readable position');
  }
  const p = value as Record<string, unknown>;
  const whole = (k: string) => typeof p?.[k] === 'number' && Number.isInteger(p[k]) && (p[k] as number) >= 0;
  if (!['epoch', 'stepInEpoch', 'steps', 'epochLossCount'].every(whole) || typeof p.epochLossSum !== 'number' || !Number.isFinite(p.epochLossSum)) {
    throw new CheckpointError(`its position ${JSON.stringify(value)} is not epochs, steps and losses`);
  }
  return p as unknown as TrainingPosition;
}
