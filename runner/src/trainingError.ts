/** Why a job failed, as `job/failed` reports it. */
export type FailureCode = 'invalid-job' | 'no-adapter' | 'non-finite-loss' | 'device-lost' | 'too-large' | 'stalled' | 'internal';

export class TrainingError extends Error {
  constructor(readonly code: FailureCode, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** By name, not instanceof: a module loaded twice (bundles, loaders) has two TrainingError classes. */
export function isTrainingError(error: unknown): error is TrainingError {
  return error instanceof Error && error.name === 'TrainingError' && typeof (error as TrainingError).code === 'string';
}
