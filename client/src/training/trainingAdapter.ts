/**
 * Tells the language server which WebGPU adapter the runner trains on, so the `training-memory`
 * warning can name a buffer the adapter cannot bind before a run is refused for it. The runner says
 * so in runner/info (asked when a training view opens); the last answer is kept across sessions, so
 * a reopened editor warns before the runner has started.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import type { RunnerInfo } from '../../../runner/src/protocol';
import { trainingAdapterOf } from './runnerMessages';
import { TrainingAdapterNotification, type TrainingAdapterParams } from '../../../server/src/lspProtocol';

const STATE_KEY = 'cnn.trainingAdapter';

export class TrainingAdapterAnnouncer implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly client: LanguageClient,
    private readonly state: vscode.Memento,
  ) {
    // On every (re)start of the server: it begins with no adapter.
    this.subscription = client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.send(this.state.get<TrainingAdapterParams | null>(STATE_KEY) ?? null);
    });
  }

  /** The runner answered runner/info. */
  heard(info: RunnerInfo): void {
    const adapter = trainingAdapterOf(info);
    void this.state.update(STATE_KEY, adapter);
    this.send(adapter);
  }

  private send(adapter: TrainingAdapterParams | null): void {
    if (this.client.state !== State.Running) return;
    this.client.sendNotification(TrainingAdapterNotification, adapter).catch(() => undefined);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
