/**
 * The "Train model" and "Compare inits" code lenses above a .cnn file's `network` line (or its `input` line when it has
 * no name), and "Training: epoch 2/5 · Cancel" while it trains. Finding the line is a one-word
 * lexical check, not parsing: the line only anchors the lens.
 */
import * as vscode from 'vscode';
import { trainLensLine } from './trainLensLine';

export interface LensRunState {
  /** "Training: epoch 2/5" while a run is active for the file; undefined otherwise. */
  activeLabel(uri: vscode.Uri): string | undefined;
}

export class TrainCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly runs: LensRunState) {}

  /** A run started, moved to a new epoch or ended. */
  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('cnn', document.uri).get<boolean>('codeLens.train', true)) return [];
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const line = trainLensLine(lines);
    if (line === undefined) return [];
    const range = new vscode.Range(line, 0, line, 0);
    const active = this.runs.activeLabel(document.uri);
    if (active) {
      return [
        new vscode.CodeLens(range, { title: `$(sync~spin) ${active}`, command: 'cnn.trainModel', arguments: [document.uri], tooltip: 'Show the training view' }),
        new vscode.CodeLens(range, { title: 'Cancel', command: 'cnn.cancelTraining', arguments: [document.uri], tooltip: 'Stop this training run' }),
      ];
    }
    return [
      new vscode.CodeLens(range, { title: '$(play) Train model', command: 'cnn.trainModel', arguments: [document.uri], tooltip: 'Open the training view for this network' }),
      new vscode.CodeLens(range, { title: 'Compare inits', command: 'cnn.compareInitialisations', arguments: [document.uri], tooltip: 'Train this network with gaussian(0.01), xavier and he, each with relu and prelu, and compare (He et al. 2015)' }),
    ];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
