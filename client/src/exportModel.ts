/**
 * "CNN: Export model…": pick the format, the run whose weights to take (or fresh weights), and
 * where to save; `cnn export` writes it (exportRunner.ts). Each pick is shown even with one item
 * (one format today, no run yet): it says what is about to be written.
 */
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { defaultExportPath, EXPORT_FORMAT_INFO } from '../../runner/src/export/formats';
import { runExport, weightsChoices } from './exportRunner';
import { requestNetwork } from './training/trainPanel';

async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'cnn') return active;
  return vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'cnn')?.document;
}

export async function exportModel(client: LanguageClient, cliPath: string, arg?: unknown): Promise<void> {
  const document = await targetDocument(arg);
  if (!document || document.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('Open a saved .cnn file to export its network.');
    return;
  }
  const file = document.uri.fsPath;
  const format = (await vscode.window.showQuickPick(EXPORT_FORMAT_INFO.map((f) => ({ label: f.label, description: f.summary, format: f })), { title: `Export ${basename(file)} as` }))?.format;
  if (!format) return;
  const networkName = await requestNetwork(client, document).then((n) => n.network, () => undefined);
  const choices = weightsChoices(file, networkName);
  const weights = await vscode.window.showQuickPick(choices, { title: `Export ${basename(file)} as ${format.label} with the weights of`, placeHolder: 'newest run first' });
  if (!weights) return;
  const suggested = vscode.Uri.file(defaultExportPath(file, format));
  const target = format.output.kind === 'file'
    ? await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { [format.label]: [format.output.extension] }, saveLabel: 'Export' })
    : (await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(dirname(file)), canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here' }))?.[0];
  if (!target) return;
  // A folder format writes a folder of its own inside the one chosen, not loose files beside the .cnn.
  const output = format.output.kind === 'file' ? target.fsPath : join(target.fsPath, basename(suggested.fsPath));
  if (document.isDirty) void vscode.window.showWarningMessage(`${basename(file)} has unsaved changes: exporting the saved network.`);
  try {
    const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${basename(file)} as ${format.label}…` }, () =>
      runExport(cliPath, file, format.name, weights.runDir, output));
    const reveal = 'Reveal';
    const from = 'runDir' in answer.weights ? `the weights of ${basename(answer.weights.runDir)}` : `fresh weights (seed ${answer.weights.seed})`;
    const choice = await vscode.window.showInformationMessage(`Exported ${basename(file)} to ${answer.output} with ${from}.`, reveal);
    const uri = vscode.Uri.file(answer.output);
    // Inside the workspace the Explorer shows it (and works in the browser); elsewhere the OS does.
    if (choice === reveal) await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
  } catch (error) {
    void vscode.window.showErrorMessage(`Cannot export ${basename(file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
