/**
 * "CNN: Compare initialisations and activations": pick the init × activation combinations and the
 * number of seeds, refuse a file with errors as "Train model" does, queue one runner job per
 * combination and seed (InitComparison) and show them in the file's training view, whose compare
 * section draws each combination's band of curves across seeds and shows `cnn compare`'s table
 * (mean, ± std, min–max) and the sentences of what holds as the epochs arrive.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../../server/src/language/network';
import type { TrainHostMessage } from '../../../media/src/trainProtocol';
import { COMBINATIONS, InitComparison, combinationName, quickLookSettings, variantNetworks, type Combination } from './initComparison';
import { compareCells, DEFAULT_SEEDS, seedList } from '../../../server/src/compareStats';
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

/** The choices of seeds per combination: DEFAULT_SEEDS first. */
export const SEED_CHOICES = [DEFAULT_SEEDS, 1, 2, 5];

/** How many times each combination trains, each with its own seed (the train statement's, then the next ones). */
async function pickSeeds(fileName: string, firstSeed: number): Promise<number | undefined> {
  const items = SEED_CHOICES.map((n) => ({
    label: n === 1 ? '1 seed' : `${n} seeds`,
    // No `detail`: one line per choice, its seeds beside it.
    description: `seed${n === 1 ? '' : 's'} ${seedList(firstSeed, n).join(', ')}${n === DEFAULT_SEEDS ? ' (default)' : n === 1 ? ': no spread to judge a difference by' : ''}`,
    n,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Seeds per combination for ${fileName}`,
    placeHolder: 'How many times to train each combination, each with its own seed: the table shows mean and spread',
  });
  return picked?.n;
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
    const settings = quickLookSettings(network);
    const seedCount = await pickSeeds(fileName, settings.seed ?? 1);
    if (!seedCount) return;
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
      seeds: seedList(settings.seed ?? 1, seedCount),
      settings,
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
    const cells = compareCells(runs);
    const seeds = comparison.seeds.length;
    // A combination counts as trained when every seed of it trained.
    const finished = cells.filter((c) => c.counted.length === c.runs.length && c.top1);
    const best = [...finished].sort((a, b) => a.top1!.mean - b.top1!.mean)[0];
    const bestText = best ? `; lowest ${seeds > 1 ? 'mean ' : ''}top-1 error ${(100 * best.top1!.mean).toFixed(1)} % with init=${best.init} act=${best.act}` : '';
    const over = seeds > 1 ? ` over ${seeds} seeds` : '';
    const open = 'Open report';
    const buttons = comparison.report ? [open] : [];
    void vscode.window
      .showInformationMessage(runs.some((r) => r.failure === 'cancelled')
        ? `Comparison of ${baseName(uri)} cancelled: ${finished.length} of ${cells.length} combinations trained${over}${bestText}.`
        : `Compared ${cells.length} combinations of ${baseName(uri)}${over}: ${finished.length} trained${bestText}.`, ...buttons)
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
