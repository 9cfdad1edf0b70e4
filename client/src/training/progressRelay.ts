/**
 * Relays a run's updates to its webview with the step reports coalesced: a small network reports
 * its loss hundreds of times a second, and a webview message each time would keep the page busy
 * redrawing. Progress goes out at most once per interval carrying every loss since the last one;
 * any other update first flushes what is pending, so the page sees them in the runner's order.
 */
import { stepPosition, type TrainHostMessage } from '../../../media/src/trainProtocol';
import type { RunUpdate } from './trainingJobs';

/** Twenty updates a second: smooth to the eye, cheap for the page. */
export const PROGRESS_INTERVAL_MS = 50;

export class ProgressRelay {
  private pending: Extract<TrainHostMessage, { type: 'progress' }> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly post: (message: TrainHostMessage) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  push(update: RunUpdate): void {
    if (update.type !== 'progress') {
      this.flush();
      this.post(update);
      return;
    }
    const x = stepPosition(update.progress);
    const point: [number, number] = [x, update.progress.loss];
    const speed: [number, number] = [x, update.progress.samplesPerSec];
    if (this.pending && this.pending.jobId === update.jobId) {
      this.pending.progress = update.progress;
      this.pending.losses.push(point);
      this.pending.speeds?.push(speed);
    } else {
      this.flush();
      this.pending = { type: 'progress', jobId: update.jobId, progress: update.progress, losses: [point], speeds: [speed] };
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const message = this.pending;
    this.pending = undefined;
    if (message) this.post(message);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
