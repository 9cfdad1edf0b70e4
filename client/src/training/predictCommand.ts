/**
 * "CNN: Predict image…": pick PNG or JPEG files, and see the top-5 classes of each with their
 * probabilities in a quick pick, from the network of the .cnn file and a run's weights (the newest
 * run with weights, or the one picked when there are several).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { describeRun, listRunFolders, runsOfNetwork } from './runFolders';
import { predictionRows, runPredict } from './predictRunner';

export interface PredictDeps {
  cliPath: string;
  document(arg: unknown): Promise<vscode.TextDocument | undefined>;
  networkName(document: vscode.TextDocument): Promise<string | undefined>;
}

export async function predictImage(deps: PredictDeps, arg?: unknown): Promise<void> {
  const document = await deps.document(arg);
  if (!document || document.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('Open a saved .cnn file whose network has been trained to predict with it.');
    return;
  }
  const file = document.uri.fsPath;
  const name = await deps.networkName(document);
  const runs = runsOfNetwork(listRunFolders(dirname(file)), name).filter((r) => existsSync(join(r.path, 'weights.safetensors')));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`${name ?? 'This network'} has no run with weights beside ${file}: train it first (CNN: Train model).`);
    return;
  }
  let runDir = runs[0].path;
  if (runs.length > 1) {
    const picked = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: describeRun(r), path: r.path })), { title: 'Predict with the weights of which run?', placeHolder: 'newest first' });
    if (!picked) return;
    runDir = picked.path;
  }
  const images = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Predict', filters: { Images: ['png', 'jpg', 'jpeg'] }, defaultUri: vscode.Uri.file(dirname(file)) });
  if (!images || images.length === 0) return;
  if (document.isDirty) void vscode.window.showWarningMessage(`${file} has unsaved changes: predicting with the saved network.`);
  try {
    const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Predicting…' }, () =>
      runPredict(deps.cliPath, file, runDir, images.map((u) => u.fsPath)));
    const items: vscode.QuickPickItem[] = predictionRows(answer.predictions).map((r) =>
      r.kind === 'image' ? { label: r.label, kind: vscode.QuickPickItemKind.Separator } : { label: r.label, description: r.description });
    await vscode.window.showQuickPick(items, { title: `Top-5 classes (weights: ${answer.runDir.split(/[\\/]/).at(-1)})`, canPickMany: false });
  } catch (error) {
    void vscode.window.showErrorMessage(`Cannot predict: ${error instanceof Error ? error.message : String(error)}`);
  }
}
