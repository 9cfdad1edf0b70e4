/**
 * Property tests run with a fixed seed, so a run is repeatable and CI cannot fail by chance on a
 * commit that changed nothing. CNN_PROPERTY_SEED replays another seed (a whole number), or picks
 * a new one with `random`; the seed is printed with any failure, with the line that replays it.
 */
import fc from 'fast-check';

export const DEFAULT_PROPERTY_SEED = 20261203;

export function propertySeed(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.CNN_PROPERTY_SEED?.trim();
  if (!value) return DEFAULT_PROPERTY_SEED;
  if (value === 'random') return (Math.random() * 2 ** 31) | 0;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`CNN_PROPERTY_SEED must be a whole number or "random", got ${JSON.stringify(value)}`);
  return seed;
}

/** The seed of this process's property tests. */
export const PROPERTY_SEED = propertySeed();

/** fc.assert with the process's seed; a failure says which seed and how to replay it. */
export function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, params: Omit<fc.Parameters<Ts>, 'seed'> = {}): void {
  try {
    fc.assert(property, { ...params, seed: PROPERTY_SEED });
  } catch (error) {
    if (error instanceof Error) error.message += `\n(property seed ${PROPERTY_SEED}: replay with CNN_PROPERTY_SEED=${PROPERTY_SEED})`;
    throw error;
  }
}
