/**
 * "CNN: Import model…": pick an ONNX model or a Caffe deploy.prototxt (or right-click one in the
 * explorer), write its network as a .cnn file beside it (asking before overwriting one) and open
 * it. What the language cannot express is listed in the "CNN import" output, nothing written.
 */
import * as vscode from 'vscode';
import { describeProblems, ImportError, importModel } from '../../server/src/import/importModel';

let output: vscode.OutputChannel | undefined;

function log(lines: string[]): void {
  output ??= vscode.window.createOutputChannel('CNN import');
  output.clear();
  for (const line of lines) output.appendLine(line);
  output.show(true);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function importModelCommand(arg?: unknown): Promise<void> {
  let source = arg instanceof vscode.Uri ? arg : undefined;
  if (!source) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Import',
      title: 'Import a network as a .cnn file',
      filters: { 'ONNX and Caffe models': ['onnx', 'prototxt'], 'All files': ['*'] },
    });
    source = picked?.[0];
    if (!source) return;
  }
  const fileName = source.path.split('/').at(-1) ?? 'model';
  let result;
  try {
    result = importModel(await vscode.workspace.fs.readFile(source), fileName);
  } catch (error) {
    const reason = error instanceof ImportError ? error.message : error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Cannot import ${fileName}: ${reason}`);
    return;
  }
  if (!result.text) {
    log([`${fileName}: ${result.refused.length} operators the .cnn language cannot express; nothing written:`, ...describeProblems(result.refused).map((l) => `  ${l}`)]);
    void vscode.window.showErrorMessage(`Cannot import ${fileName}: ${result.refused.length === 1 ? 'one operator' : `${result.refused.length} operators`} the .cnn language cannot express (listed in the CNN import output).`);
    return;
  }
  let target = vscode.Uri.joinPath(source, '..', fileName.replace(/\.[^.]*$/, '') + '.cnn');
  if (await exists(target)) {
    const choice = await vscode.window.showWarningMessage(`${target.path.split('/').at(-1)} exists beside ${fileName}.`, { modal: true }, 'Overwrite', 'Save as…');
    if (choice === 'Save as…') {
      const chosen = await vscode.window.showSaveDialog({ defaultUri: target, filters: { 'CNN spec': ['cnn'] } });
      if (!chosen) return;
      target = chosen;
    } else if (choice !== 'Overwrite') return;
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(result.text));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  const notes = result.notes.length ? ` ${result.notes.length === 1 ? 'One note' : `${result.notes.length} notes`} at the top of the file.` : '';
  void vscode.window.showInformationMessage(`Imported ${fileName}: ${result.params?.toLocaleString('en-US')} parameters.${notes}`);
}
