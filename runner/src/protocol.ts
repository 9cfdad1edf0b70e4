/**
 * The runner's JSON-RPC 2.0 protocol over stdio (documented in docs/runner-protocol.md).
 * Types only, shared by the runner, the extension and the CLI.
 */
import type { Network } from '../../server/src/language/network';
import type { BackendInfo } from './backend';
import type { EpochMetrics } from './runFolder';
import type { JobSettings, ResolvedSettings } from './settings';
import type { FailureCode, KernelsEvent } from './train';

export const PROTOCOL_VERSION = 1;

export interface RunnerInfo {
  name: 'cnn-runner';
  version: string;
  protocol: number;
  pid: number;
  /** The backend a job with backend=auto gets, its adapter, limits, and why it fell back if it did. */
  backend: BackendInfo;
  backends: string[];
  /** What a backend runs on, by name, where it is not auto's (`pytorch`: "PyTorch 1.13.0, CUDA: NVIDIA H200"). */
  devices?: Record<string, string>;
  datasets: string[];
}

export interface JobStartParams {
  network: Network;
  settings?: JobSettings;
}
export interface JobStartResult {
  jobId: string;
  /** Jobs ahead of this one (0: it starts now). */
  queued: number;
}
export interface JobCancelParams {
  jobId: string;
}
export interface JobCancelResult {
  /** False when no such job is queued or running. */
  cancelled: boolean;
}

/**
 * Before job/started: the backend starts building its kernels (`building`), then has built them
 * (`ready`, with the seconds it took and the WebGPU compute pipelines built; 0 on the CPU backends).
 */
export type JobKernelsNotification = { jobId: string } & KernelsEvent;

export interface JobStartedNotification {
  jobId: string;
  runDir: string;
  backend: BackendInfo;
  settings: ResolvedSettings;
  classes: string[];
  stepsPerEpoch: number;
  params: number;
  /** A resumed run (settings.resume): where it continues from, and the epochs it had finished. */
  resumed?: { epoch: number; stepInEpoch: number; steps: number; epochs: EpochMetrics[] };
}
export interface JobProgressNotification {
  jobId: string;
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  samplesPerSec: number;
}
export interface JobEpochNotification extends EpochMetrics {
  jobId: string;
}
export interface JobDoneNotification {
  jobId: string;
  /** Null for a job cancelled while still queued. */
  runDir: string | null;
  cancelled: boolean;
  epochs: EpochMetrics[];
  steps: number;
}
export interface JobFailedNotification {
  jobId: string;
  code: FailureCode;
  message: string;
  details?: Record<string, unknown>;
  runDir?: string;
}

/** JSON-RPC error codes of job/start beyond the standard ones. */
export const ERROR_TOO_LARGE = -32001;
