/**
 * "CNN: Train model", "CNN: Cancel training", "CNN: Show runs" and "CNN: Compare initialisations
 * and activations" (compareCommand.ts): the extension's side of
 * training. One call from activate() wires the runner process, the runs, the training views (and
 * their restoration after a reload), the code lens and the end-of-run notifications.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../../server/src/language/network';
import type { RunView } from '../../../media/src/trainProtocol';
import { showsTop5 } from '../../../media/src/trainViewModel';
import { InitComparisons } from './compareCommand';
import { predictImage } from './predictCommand';
import { RunnerProcess } from './runnerProcess';
import { TrainCodeLensProvider } from './trainCodeLens';
import { TrainingAdapterAnnouncer } from './trainingAdapter';
import { isRunActive, TrainingJobs } from './trainingJobs';
import { trainingRefusal } from './trainingRefusal';
import { TRAIN_VIEW_TYPE, TrainPanels, baseName, pickRuns, requestNetwork } from './trainPanel';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The .cnn file most recently active in an editor: commands run from a focused webview still find it. */
let lastActiveCnn: vscode.Uri | undefined;

/**
 * The .cnn document a command is about: the one it was given; else the active editor's; else the
 * file of the training view in front; else the last .cnn editor that was active; else a visible one.
 */
async function targetDocument(arg: unknown, panels: TrainPanels): Promise<vscode.TextDocument | undefined> {
  if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'cnn') return active;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputText && tab.uri.path.endsWith('.cnn')) return vscode.workspace.openTextDocument(tab.uri);
  const inFront = panels.activeFile();
  if (inFront) return vscode.workspace.openTextDocument(inFront);
  if (lastActiveCnn) return vscode.workspace.openTextDocument(lastActiveCnn);
  return vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'cnn')?.document;
}

async function openRunFolder(path: string): Promise<void> {
  const uri = vscode.Uri.file(path);
  // Inside the workspace the Explorer shows it (and works in the browser); elsewhere the OS does.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Says why a file cannot be trained, with a button to its first error. True when refused. */
function refuse(document: vscode.TextDocument, network: Network): boolean {
  const refusal = trainingRefusal(network, baseName(document.uri));
  if (!refusal) return false;
  const goTo = `Go to line ${refusal.first.line}`;
  void vscode.window.showErrorMessage(refusal.message, goTo).then(async (choice) => {
    if (choice !== goTo) return;
    const d = refusal.first;
    const range = new vscode.Range(d.line - 1, d.column - 1, d.endLine - 1, d.endColumn - 1);
    await vscode.window.showTextDocument(document, { selection: range });
  });
  return true;
}

function announceEnd(fileKey: string, run: RunView, panels: TrainPanels): void {
  const name = baseName(vscode.Uri.parse(fileKey));
  const open = 'Open run folder';
  const show = 'Show training';
  const buttons = run.runDir ? [open, show] : [show];
  const act = (choice: string | undefined) => {
    if (choice === open && run.runDir) void openRunFolder(run.runDir);
    if (choice === show) panels.show(vscode.Uri.parse(fileKey));
  };
  const last = run.epochs.at(-1);
  const errors = last ? `top-1 error ${pct(last.top1Error)}${showsTop5(run) ? `, top-5 error ${pct(last.top5Error)}` : ''}` : 'no epoch finished';
  if (run.status === 'done') {
    void vscode.window.showInformationMessage(`${name} trained ${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'}: ${errors}.`, ...buttons).then(act);
  } else if (run.status === 'cancelled') {
    void vscode.window.showInformationMessage(`Training ${name} cancelled after ${run.epochs.length} epochs (${errors}).`, ...buttons).then(act);
  } else if (run.status === 'failed') {
    void vscode.window.showErrorMessage(`Training ${name} failed: ${run.error ?? 'no reason given'}`, ...buttons).then(act);
  }
}

export function registerTraining(context: vscode.ExtensionContext, client: LanguageClient): void {
  const output = vscode.window.createOutputChannel('CNN Training');
  const adapter = new TrainingAdapterAnnouncer(client, context.globalState);
  context.subscriptions.push(adapter);
  const runner = new RunnerProcess({
    runnerPath: context.asAbsolutePath('dist/runner.js'),
    cwd: context.extensionPath,
    log: (line) => output.appendLine(line),
    onInfo: (info) => adapter.heard(info),
  });
  let panels: TrainPanels;
  let lenses: TrainCodeLensProvider;
  const jobs = new TrainingJobs(runner, {
    update(fileKey, update) {
      panels.relay(fileKey, update);
      // The lens shows the status and the epoch: refresh on those, not on every step.
      if (update.type !== 'progress') lenses.refresh();
    },
    ended: (fileKey, run) => announceEnd(fileKey, run, panels),
  });
  runner.onExit((exit) => {
    if (exit.expected) return;
    const why = exit.signal ?? `exit code ${exit.code}`;
    output.appendLine(`runner exited (${why})${exit.stderrTail ? `:\n${exit.stderrTail}` : ''}`);
    void vscode.window.showWarningMessage(`The training runner stopped unexpectedly (${why}); it is started again for the next job. Details are in the "CNN Training" output.`);
  });
  const comparisons = new InitComparisons({ runner, client, panels: () => panels, targetDocument: (arg) => targetDocument(arg, panels), refuse });
  panels = new TrainPanels({ extensionUri: context.extensionUri, client, runner, jobs, refuse, openRunFolder, comparisons });
  lenses = new TrainCodeLensProvider({
    activeLabel(uri) {
      const run = jobs.get(uri.toString());
      if (!isRunActive(run)) return undefined;
      const epochs = run!.settings?.epochs;
      return run!.status === 'running' && epochs ? `Training: epoch ${Math.min(run!.epochs.length + 1, epochs)}/${epochs}` : 'Training: starting';
    },
  });

  const trainModel = async (arg?: unknown) => {
    const document = await targetDocument(arg, panels);
    if (!document) {
      void vscode.window.showInformationMessage('Open a .cnn file to train its network.');
      return;
    }
    let network: Network;
    try {
      network = await requestNetwork(client, document);
    } catch (error) {
      void vscode.window.showErrorMessage(`Cannot train ${baseName(document.uri)}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    // A file that is already training opens its view whatever its text says now.
    if (!isRunActive(jobs.get(document.uri.toString())) && refuse(document, network)) return;
    panels.show(document.uri);
  };

  const cancelTraining = async (arg?: unknown) => {
    const active = jobs.active();
    let fileKey: string | undefined;
    if (arg instanceof vscode.Uri) fileKey = arg.toString();
    else {
      const current = vscode.window.activeTextEditor?.document.uri.toString();
      fileKey = active.find((a) => a.fileKey === current)?.fileKey;
      if (!fileKey && active.length === 1) fileKey = active[0].fileKey;
      if (!fileKey && active.length > 1) {
        const pick = await vscode.window.showQuickPick(active.map((a) => ({ label: baseName(vscode.Uri.parse(a.fileKey)), detail: a.fileKey, fileKey: a.fileKey })), { title: 'Cancel which training run?' });
        fileKey = pick?.fileKey;
        if (!fileKey) return;
      }
    }
    if (!fileKey || !(await jobs.cancel(fileKey))) {
      void vscode.window.showInformationMessage('No training run to cancel.');
    }
  };

  const showRuns = async (arg?: unknown) => {
    const document = await targetDocument(arg, panels);
    if (!document) {
      void vscode.window.showInformationMessage('Open a .cnn file to see its runs.');
      return;
    }
    const networkName = await requestNetwork(client, document).then((n) => n.network, () => undefined);
    const runs = await pickRuns(document.uri, `Runs of ${baseName(document.uri)} (in ${dirname(document.uri.fsPath)}/.cnn-runs)`, networkName);
    if (runs && runs.length > 0) panels.show(document.uri).showCompare(runs);
  };

  lastActiveCnn = vscode.window.activeTextEditor?.document.languageId === 'cnn' ? vscode.window.activeTextEditor.document.uri : undefined;
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor?.document.languageId === 'cnn') lastActiveCnn = editor.document.uri;
    }),
    output,
    panels,
    lenses,
    { dispose: () => jobs.dispose() },
    comparisons,
    // Ends the runner with the extension host; a running job's finished epochs are already on disk.
    { dispose: () => void runner.stop() },
    vscode.commands.registerCommand('cnn.trainModel', trainModel),
    vscode.commands.registerCommand('cnn.cancelTraining', cancelTraining),
    vscode.commands.registerCommand('cnn.showRuns', showRuns),
    vscode.commands.registerCommand('cnn.predictImage', (arg?: unknown) => predictImage({
      cliPath: context.asAbsolutePath('dist/cli.js'),
      document: (a) => targetDocument(a, panels),
      networkName: async (document) => (await requestNetwork(client, document).catch(() => undefined))?.network,
    }, arg)),
    vscode.commands.registerCommand('cnn.compareInitialisations', (arg?: unknown) => comparisons.run(arg)),
    vscode.commands.registerCommand('cnn.openRunFolder', (path: unknown) => (typeof path === 'string' ? openRunFolder(path) : undefined)),
    vscode.window.registerWebviewPanelSerializer(TRAIN_VIEW_TYPE, panels),
    vscode.languages.registerCodeLensProvider({ language: 'cnn' }, lenses),
  );
}
