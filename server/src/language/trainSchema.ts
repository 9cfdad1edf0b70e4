/**
 * The training settings' numbers, one table: what the `train` statement accepts, what the runner
 * accepts in a job, and what the training view's form lets through are the same ranges.
 */
import type { Schedule } from './network';

export interface NumberSetting {
  /** The statement's key (`weight_decay`) where it differs from the job's field. */
  key: string;
  integer: boolean;
  min: number;
  /** `lr` > 0: a step of 0 trains nothing. */
  minExclusive?: boolean;
  max: number;
  /** `momentum` < 1: at 1 the velocity never decays. */
  maxExclusive?: boolean;
  default: number;
}

export const NUMBER_SETTINGS = {
  epochs: { key: 'epochs', integer: true, min: 1, max: 100000, default: 5 },
  batch: { key: 'batch', integer: true, min: 1, max: 65536, default: 32 },
  lr: { key: 'lr', integer: false, min: 0, minExclusive: true, max: 1e6, default: 0.01 },
  momentum: { key: 'momentum', integer: false, min: 0, max: 1, maxExclusive: true, default: 0.9 },
  weightDecay: { key: 'weight_decay', integer: false, min: 0, max: 1, default: 0.0005 },
  seed: { key: 'seed', integer: true, min: 0, max: 0xffffffff, default: 1 },
  trainSamples: { key: 'trainSamples', integer: true, min: 1, max: 1e7, default: 0 },
  warmup: { key: 'warmup', integer: true, min: 0, max: 100000, default: 0 },
  smoothing: { key: 'smoothing', integer: false, min: 0, max: 1, maxExclusive: true, default: 0 },
} satisfies Record<string, NumberSetting>;

export type NumberSettingName = keyof typeof NUMBER_SETTINGS;

/** Adam's usual step; SGD's is NUMBER_SETTINGS.lr.default (AlexNet's 0.01). */
export const ADAM_DEFAULT_LR = 0.001;

export const OPTIMIZERS = ['sgd', 'adam'] as const;

/** `step(EVERY,FACTOR)`'s bounds: EVERY a whole number of epochs, FACTOR in (0, 1]. */
export const SCHEDULE_STEP = { everyMin: 1, everyMax: 100000, factorMin: 0, factorMax: 1 };
export const SCHEDULE_SYNTAX = 'constant | step(EPOCHS,FACTOR) | cosine';

/**
 * A schedule as written (`cosine`, `step(3,0.1)`) or as a job sends it ({kind: 'step', every: 3,
 * factor: 0.1}), checked: the value, or why not.
 */
export function readSchedule(value: unknown): { ok: true; value: Schedule } | { ok: false; message: string } {
  const bad = (why: string) => ({ ok: false as const, message: why });
  let kind: unknown, every: unknown, factor: unknown;
  if (typeof value === 'string') {
    const text = value.trim();
    const call = /^step\((.*)\)$/.exec(text);
    if (call) {
      const parts = call[1].split(',').map((p) => p.trim());
      if (parts.length !== 2 || parts.some((p) => p === '')) return bad(`step(EPOCHS,FACTOR) needs two numbers, found '${text}'`);
      [kind, every, factor] = ['step', Number(parts[0]), Number(parts[1])];
    } else kind = text;
  } else if (value && typeof value === 'object') {
    ({ kind, every, factor } = value as Record<string, unknown>);
  }
  if (kind === 'constant' || kind === 'cosine') return { ok: true, value: { kind } };
  if (kind !== 'step') return bad(`expected ${SCHEDULE_SYNTAX}, found ${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}`);
  const s = SCHEDULE_STEP;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < s.everyMin || every > s.everyMax) {
    return bad(`step(EPOCHS,FACTOR): EPOCHS must be a whole number from ${s.everyMin} to ${s.everyMax}, found ${JSON.stringify(every)}`);
  }
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= s.factorMin || factor > s.factorMax) {
    return bad(`step(EPOCHS,FACTOR): FACTOR must be a number greater than ${s.factorMin} up to ${s.factorMax}, found ${JSON.stringify(factor)}`);
  }
  return { ok: true, value: { kind: 'step', every, factor } };
}

/** "a whole number from 1 to 100000", "a number from 0 up to (not including) 1". */
export function describeRange(name: NumberSettingName): string {
  const s: NumberSetting = NUMBER_SETTINGS[name];
  const low = s.minExclusive ? `greater than ${s.min}` : `from ${s.min}`;
  const high = s.maxExclusive ? `up to (not including) ${s.max}` : `to ${s.max}`;
  return `${s.integer ? 'a whole number' : 'a number'} ${low} ${high}`;
}

/** Whether a value is in range: a finite number (whole where it must be) within the bounds. null and NaN are not. */
export function inRange(name: NumberSettingName, value: unknown): value is number {
  const s: NumberSetting = NUMBER_SETTINGS[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (s.integer && !Number.isSafeInteger(value)) return false;
  if (s.minExclusive ? value <= s.min : value < s.min) return false;
  return s.maxExclusive ? value < s.max : value <= s.max;
}
