/**
 * Continuing a run from its folder: the network and settings it was started with (network.json,
 * settings.json), and its checkpoint. A resumed run takes only a few things from the new job:
 * more epochs, another backend, how often losses are read back, the watchdog; everything that
 * shapes the result (data, seed, optimiser, schedule) is the run's own, so it continues exactly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Network } from '../../server/src/language/network';
import { CheckpointError, decodeCheckpoint, type Checkpoint } from './checkpoint';
import { CHECKPOINT_FILE, readRunStatus, type RunStatus } from './runFolder';
import type { JobSettings } from './settings';

export class ResumeError extends Error {}

/** The job keys a resumed run takes from the new job; the rest are the run's own. */
export const RESUMABLE_OVERRIDES = ['epochs', 'backend', 'lossEvery', 'watchdogSeconds'] as const;

function readJson(runDir: string, name: string): unknown {
  const path = join(runDir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ResumeError(`cannot resume ${runDir}: cannot read ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is it a run folder?`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ResumeError(`cannot resume ${runDir}: ${name} is not JSON (${(error as Error).message})`);
  }
}

/** The network, status and job settings of the run in `runDir`, checked to have a checkpoint. */
export function readRunToResume(runDir: string): { network: Network; settings: JobSettings; status: RunStatus } {
  const dir = resolve(runDir);
  const status = readRunStatus(dir);
  if (!status) throw new ResumeError(`cannot resume ${dir}: it has no readable status.json; is it a run folder?`);
  if (!existsSync(join(dir, CHECKPOINT_FILE))) {
    throw new ResumeError(`cannot resume ${dir}: it has no ${CHECKPOINT_FILE} (runs before checkpoints were written cannot be resumed; train it again)`);
  }
  const network = readJson(dir, 'network.json') as Network;
  const saved = readJson(dir, 'settings.json') as Record<string, unknown>;
  if (!network || typeof network !== 'object' || !Array.isArray(network.layers)) throw new ResumeError(`cannot resume ${dir}: network.json is not an analysed network`);
  if (!saved || typeof saved !== 'object') throw new ResumeError(`cannot resume ${dir}: settings.json is not an object`);
  // settings.json is the resolved settings plus what the run found (its adapter and class names).
  const { adapter: _adapter, classes: _classes, ...settings } = saved;
  return { network, settings: { ...(settings as JobSettings), resume: dir }, status };
}

/** The settings that continue `runDir`: the run's own, with the new job's few overrides. */
export function resumeSettings(runDir: string, job: JobSettings): { network: Network; settings: JobSettings } {
  const { network, settings } = readRunToResume(runDir);
  const overrides = Object.fromEntries(RESUMABLE_OVERRIDES.filter((k) => job[k] !== undefined).map((k) => [k, job[k]]));
  return { network, settings: { ...settings, ...overrides } };
}

/** The checkpoint of `runDir` for a model with these tensors (parameters first). */
export function readCheckpoint(runDir: string, expected: { name: string; shape: number[] }[], paramCount: number, adam: boolean): Checkpoint {
  const path = join(runDir, CHECKPOINT_FILE);
  try {
    return decodeCheckpoint(readFileSync(path), expected, paramCount, adam);
  } catch (error) {
    if (error instanceof CheckpointError) throw new ResumeError(`cannot resume from ${path}: ${error.message}`);
    throw new ResumeError(`cannot resume from ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
