/**
 * "CNN: Compare initialisations and activations": pick the init × activation combinations, refuse a
 * file with errors as "Train model" does, queue one runner job per combination (InitComparison) and
 * show them in the file's training view, whose compare section overlays the runs' curves and shows
 * `cnn compare`'s table as the epochs arrive.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../../server/src/language/network';
import type { TrainHostMessage } from '../../../media/src/trainProtocol';
import { COMBINATIONS, InitComparison, combinationName, quickLookSettings, variantNetworks, type Combination } from './initComparison';
import type { RunnerProcess } from './runnerProcess';
import { baseName, requestNetwork, runParentDir, type TrainPanels } from './trainPanel';

const INIT_DETAIL: Record<string, string> = {
  gaussian: "AlexNet's fixed std 0.01",
  xavier: 'Glorot: Var[w] = 2/(n_in + n_out)',
  he: 'He et al.: Var[w] = 2/((1 + a²)·n)',
};

export interface ComparisonServices {
  runner: RunnerProcess;
  client: LanguageClient;
  panels(): TrainPanels;
  /** The .cnn document the command is about (the argument, the active editor, the view in front). */
  targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined>;
  /** Shows why the file cannot be trained, with a button to its first error; true when refused. */
  refuse(document: vscode.TextDocument, network: Network): boolean;
}

async function pickCombinations(fileName: string): Promise<Combination[] | undefined> {
  const items = COMBINATIONS.map((combination) => ({
    label: combinationName(combination),
    description: INIT_DETAIL[combination.init],
    picked: true,
    combination,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Compare initialisations and activations of ${fileName}`,
    placeHolder: 'The combinations to train, one after another, with the same seed and data',
    canPickMany: true,
  });
  return picked?.map((p) => p.combination);
}

/** The comparisons of this window, one per .cnn file, and the command that starts them. */
export class InitComparisons implements vscode.Disposable {
  private readonly byFile = new Map<string, InitComparison>();

  constructor(private readonly services: ComparisonServices) {}

  /** The file's comparison as its training view draws it; undefined when the file has none. */
  message(fileKey: string): TrainHostMessage | undefined {
    const comparison = this.byFile.get(fileKey);
    return comparison && { type: 'compare', runs: comparison.curves(), comparison: comparison.view() };
  }

  async cancel(fileKey: string): Promise<boolean> {
    return (await this.byFile.get(fileKey)?.cancel()) ?? false;
  }

  private post(fileKey: string): void {
    const message = this.message(fileKey);
    if (message) this.services.panels().get(vscode.Uri.parse(fileKey))?.post(message);
  }

  /** The command: everything a user sees before the first job is queued. */
  async run(arg?: unknown): Promise<void> {
    const document = await this.services.targetDocument(arg);
    if (!document) {
      void vscode.window.showInformationMessage('Open a .cnn file to compare initialisations and activations on its network.');
      return;
    }
    const fileName = baseName(document.uri);
    const key = document.uri.toString();
    if (this.byFile.get(key)?.active) {
      const show = 'Show comparison';
      const choice = await vscode.window.showInformationMessage(`A comparison of ${fileName} is running; cancel it in its view to start another.`, show);
      if (choice === show) this.services.panels().show(document.uri);
      return;
    }
    const runParent = runParentDir(document.uri);
    if (!runParent) {
      void vscode.window.showWarningMessage(`Save ${fileName} to a folder first: the runs' folders (.cnn-runs/) are written beside it.`);
      return;
    }
    let network: Network;
    try {
      network = await requestNetwork(this.services.client, document);
    } catch (error) {
      void vscode.window.showErrorMessage(`Cannot compare ${fileName}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.services.refuse(document, network)) return;
    const combinations = await pickCombinations(fileName);
    if (!combinations || combinations.length === 0) return;
    // The variants of the text as it is now, each analysed on its own.
    const made = variantNetworks(document.getText(), fileName, combinations);
    if ('refusal' in made) {
      void vscode.window.showErrorMessage(made.refusal);
      return;
    }
    this.byFile.get(key)?.dispose();
    const comparison = new InitComparison({
      runner: this.services.runner,
      fileKey: key,
      file: document.uri.fsPath,
      runParent,
      variants: made.variants,
      settings: quickLookSettings(network),
      changed: () => this.post(key),
      ended: (c) => this.announceEnd(document.uri, c),
    });
    this.byFile.set(key, comparison);
    this.services.panels().show(document.uri);
    this.post(key);
    await comparison.start();
  }

  private announceEnd(uri: vscode.Uri, comparison: InitComparison): void {
    const runs = comparison.compareRuns();
    const finished = runs.filter((r) => r.epochs.length > 0 && !r.failure);
    const best = finished.sort((a, b) => a.epochs.at(-1)!.top1Error - b.epochs.at(-1)!.top1Error)[0];
    const bestText = best ? `; lowest top-1 error ${(100 * best.epochs.at(-1)!.top1Error).toFixed(1)} % with init=${best.init} act=${best.act}` : '';
    const open = 'Open report';
    const buttons = comparison.report ? [open] : [];
    void vscode.window
      .showInformationMessage(runs.some((r) => r.failure === 'cancelled')
        ? `Comparison of ${baseName(uri)} cancelled: ${finished.length} of ${runs.length} combinations trained${bestText}.`
        : `Compared ${runs.length} combinations of ${baseName(uri)}: ${finished.length} trained${bestText}.`, ...buttons)
      .then((choice) => {
        if (choice === open && comparison.report) void vscode.window.showTextDocument(vscode.Uri.file(comparison.report));
      });
  }

  dispose(): void {
    for (const comparison of this.byFile.values()) {
      void comparison.cancel();
      comparison.dispose();
    }
    this.byFile.clear();
  }
}
