/**
 * The training view of one .cnn file: a webview panel that shows the file's current run (kept by
 * TrainingJobs, so closing the panel leaves the job running) and turns the page's typed messages
 * into actions. Panels are restored after a window reload by the serializer, from the file URI the
 * page keeps in its state.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Network } from '../../../server/src/language/network';
import { exportedTable } from '../../../media/src/layerTableModel';
import { parseTrainWebviewMessage, type FormSettings, type RunnerSummary, type TrainHostMessage, type TrainWebviewMessage } from '../../../media/src/trainProtocol';
import { NetworkRequest } from '../networkRequest';
import { ProgressRelay } from './progressRelay';
import { describeRun, listRunFolders, RUNS_FOLDER, runsOfNetwork, type RunFolder } from './runFolders';
import { readEvaluation } from './evaluationFiles';
import { CHECKPOINT_FILE, readRunStatus } from '../../../runner/src/runFolder';
import { trainHtml } from './trainHtml';
import { isRunActive, type RunUpdate, type TrainingJobs } from './trainingJobs';
import type { RunnerProcess } from './runnerProcess';

export const TRAIN_VIEW_TYPE = 'cnn.train';

/** Coalesces a burst of keystrokes into one analysis request. */
const UPDATE_DELAY_MS = 300;

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

/** The folder that receives `.cnn-runs/`: the .cnn file's own. */
export function runParentDir(uri: vscode.Uri): string | undefined {
  return uri.scheme === 'file' ? dirname(uri.fsPath) : undefined;
}

export interface TrainingServices {
  extensionUri: vscode.Uri;
  client: LanguageClient;
  runner: RunnerProcess;
  jobs: TrainingJobs;
  /** Shows the refusal with a button to the first error. */
  refuse(document: vscode.TextDocument, network: Network): boolean;
  openRunFolder(path: string): Promise<void>;
  /** The file's init/activation comparison, for the view's compare section. */
  comparisons: {
    /** The comparison's curves and table, to post on (re)load; undefined when the file has none. */
    message(fileKey: string): TrainHostMessage | undefined;
    /** False when none is running. */
    cancel(fileKey: string): Promise<boolean>;
  };
}

/** The analysed Network of a document from the language server; an Error with the reason otherwise. */
export async function requestNetwork(client: LanguageClient, document: vscode.TextDocument): Promise<Network> {
  const network = await client.sendRequest(NetworkRequest, { uri: document.uri.toString() });
  if (!network) throw new Error(`the language server has no analysis of ${baseName(document.uri)}; open it in the editor`);
  return network;
}

/** Quick pick of the run folders beside a file, several at once; undefined when dismissed. */
export async function pickRuns(fileUri: vscode.Uri, title: string, networkName: string | undefined): Promise<RunFolder[] | undefined> {
  const dir = runParentDir(fileUri);
  const runs = dir ? runsOfNetwork(listRunFolders(dir), networkName) : [];
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`No runs beside ${baseName(fileUri)} yet: "CNN: Train model" writes them to .cnn-runs/.`);
    return undefined;
  }
  const reveal: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: 'Open run folder' };
  const items = runs.map((run) => ({ label: run.name, description: describeRun(run), detail: run.path, run, buttons: [reveal] }));
  const pick = vscode.window.createQuickPick<(typeof items)[number]>();
  pick.title = title;
  pick.placeholder = 'Pick the runs to plot together (Space to select, Enter to show)';
  pick.canSelectMany = true;
  pick.items = items;
  pick.selectedItems = items.slice(0, Math.min(2, items.length));
  return new Promise((resolve) => {
    pick.onDidTriggerItemButton((e) => void vscode.commands.executeCommand('cnn.openRunFolder', e.item.run.path));
    pick.onDidAccept(() => {
      resolve(pick.selectedItems.map((i) => i.run));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

class TrainPanel implements vscode.Disposable {
  private network: Network | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly relay = new ProgressRelay((message) => this.post(message));

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly fileUri: vscode.Uri,
    private readonly services: TrainingServices,
    onDispose: () => void,
  ) {
    const key = fileUri.toString();
    this.disposables.push(
      panel.onDidDispose(() => {
        onDispose();
        this.dispose();
      }),
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const message = parseTrainWebviewMessage(data);
        if (message) void this.handle(message).catch((error) => this.post({ type: 'notice', message: String(error?.message ?? error) }));
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === key) this.scheduleUpdate();
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.uri.toString() === key) this.scheduleUpdate();
      }),
    );
  }

  get key(): string {
    return this.fileUri.toString();
  }

  post(message: TrainHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  /** A change of the file's run, with step reports coalesced. */
  relayUpdate(update: RunUpdate): void {
    this.relay.push(update);
    // Each epoch rewrites the run folder's evaluation/ before the runner reports the epoch.
    if (update.type === 'epoch' || (update.type === 'run' && !isRunActive(update.run))) this.postEvaluation();
  }

  /** The current run's evaluation files, if it has any yet. */
  private postEvaluation(): void {
    const run = this.services.jobs.get(this.key);
    if (!run?.runDir) return;
    const evaluation = readEvaluation(run.runDir, (path, version) => this.panel.webview.asWebviewUri(vscode.Uri.file(path)).with({ query: `epoch=${version}` }).toString());
    if (evaluation) this.post({ type: 'evaluation', jobId: run.jobId, evaluation });
  }

  /**
   * The run Resume continues: the file's current run when it was cancelled or failed; after a
   * window reload (no run here), the newest run of this network beside the file that did not
   * complete and has a checkpoint.
   */
  private resumableRun(): string | undefined {
    const current = this.services.jobs.get(this.key);
    if (isRunActive(current)) return undefined;
    if (current?.runDir && (current.status === 'cancelled' || current.status === 'failed')) return current.runDir;
    const dir = runParentDir(this.fileUri);
    if (!dir) return undefined;
    return runsOfNetwork(listRunFolders(dir), this.network?.network).find((r) => {
      const status = readRunStatus(r.path);
      return status !== undefined && status.status !== 'completed' && existsSync(join(r.path, CHECKPOINT_FILE));
    })?.path;
  }

  private async resume(): Promise<void> {
    const runDir = this.resumableRun();
    if (!runDir) {
      this.post({ type: 'notice', message: `No stopped run of ${baseName(this.fileUri)} to resume: a run can be resumed once it is cancelled, fails or is interrupted` });
      return;
    }
    try {
      await this.services.jobs.resume(this.key, runDir);
      this.post({ type: 'notice', message: `Resuming ${runDir}` });
    } catch (error) {
      const message = `Cannot resume: ${error instanceof Error ? error.message : String(error)}`;
      this.post({ type: 'notice', message });
      void vscode.window.showErrorMessage(message);
    }
  }

  private scheduleUpdate(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), UPDATE_DELAY_MS);
  }

  private async document(): Promise<vscode.TextDocument> {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.key) ?? vscode.workspace.openTextDocument(this.fileUri);
  }

  /** Asks the language server again and shows the fresh analysis; undefined if it cannot. */
  async update(): Promise<Network | undefined> {
    const generation = ++this.generation;
    const fileName = baseName(this.fileUri);
    try {
      const network = await requestNetwork(this.services.client, await this.document());
      if (generation === this.generation) {
        this.network = network;
        this.post({ type: 'network', fileName, network });
      }
      return network;
    } catch (error) {
      if (generation === this.generation) {
        this.post({ type: 'unavailable', fileName, message: `Cannot analyse ${fileName}: ${error instanceof Error ? error.message : String(error)}` });
      }
      return undefined;
    }
  }

  private async postRunner(): Promise<void> {
    try {
      const info = await this.services.runner.info();
      const runner: RunnerSummary = { backend: info.backend, backends: info.backends, devices: info.devices, datasets: info.datasets };
      this.post({ type: 'runner', runner });
    } catch (error) {
      this.post({ type: 'runner', runner: null, message: `The training runner did not start: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async handle(message: TrainWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Sent on every (re)load of the page: a hidden panel shown again, a reloaded window. The
        // whole run supersedes any step report still waiting.
        this.relay.dispose();
        this.post({ type: 'run', run: this.services.jobs.get(this.key) ?? null });
        this.postEvaluation();
        if (this.network) this.post({ type: 'network', fileName: baseName(this.fileUri), network: this.network });
        {
          const comparison = this.services.comparisons.message(this.key);
          if (comparison) this.post(comparison);
        }
        await this.update();
        await this.postRunner();
        return;
      case 'start':
        return this.start(message.settings);
      case 'resume':
        return this.resume();
      case 'cancel':
        if (!(await this.services.jobs.cancel(this.key))) this.post({ type: 'notice', message: 'Nothing to cancel: the run has already ended' });
        return;
      case 'cancelComparison':
        if (!(await this.services.comparisons.cancel(this.key))) this.post({ type: 'notice', message: 'Nothing to cancel: the comparison has ended' });
        return;
      case 'copyMarkdown':
        if (!this.network) return;
        await vscode.env.clipboard.writeText(exportedTable(this.network, 'markdown'));
        this.post({ type: 'notice', message: 'Layer table copied as Markdown' });
        return;
      case 'saveCsv':
        return this.saveCsv();
      case 'openRunFolder': {
        const runDir = this.services.jobs.get(this.key)?.runDir;
        if (runDir) await this.services.openRunFolder(runDir);
        return;
      }
      case 'compareRuns': {
        const runs = await pickRuns(this.fileUri, `Compare runs of ${baseName(this.fileUri)}`, (this.network ?? (await this.update()))?.network);
        if (runs) this.showCompare(runs);
        return;
      }
      case 'reveal': {
        const document = await this.document();
        const position = new vscode.Position(Math.min(message.line - 1, document.lineCount - 1), 0);
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
        return;
      }
    }
  }

  showCompare(runs: RunFolder[]): void {
    this.post({ type: 'compare', runs: runs.map((r) => ({ name: r.name, epochs: r.epochs })) });
  }

  private async start(settings: FormSettings): Promise<void> {
    const fileName = baseName(this.fileUri);
    const runDir = runParentDir(this.fileUri);
    if (!runDir) {
      const message = `Save ${fileName} to a folder first: the run's folder (.cnn-runs/) is written beside it.`;
      this.post({ type: 'notice', message });
      void vscode.window.showWarningMessage(message);
      return;
    }
    // Train what the file says now, not what the panel last showed.
    const document = await this.document();
    const network = await this.update();
    if (!network) return;
    if (this.services.refuse(document, network)) {
      this.post({ type: 'notice', message: `${fileName} has errors; fix them to train` });
      return;
    }
    try {
      await this.services.jobs.start(this.key, network, settings, runDir);
    } catch (error) {
      // The run already shows the runner's reason; the notification makes it hard to miss.
      void vscode.window.showErrorMessage(`Training ${fileName} did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async saveCsv(): Promise<void> {
    if (!this.network) return;
    const suggested = this.fileUri.scheme === 'file'
      ? this.fileUri.with({ path: this.fileUri.path.replace(/(\.cnn)?$/, '.csv') })
      : undefined;
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { CSV: ['csv'] }, title: 'Save layer table as CSV' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(exportedTable(this.network, 'csv')));
    this.post({ type: 'notice', message: `Saved ${baseName(target)}` });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.relay.dispose();
    this.generation++;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export class TrainPanels implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private readonly panels = new Map<string, TrainPanel>();

  constructor(private readonly services: TrainingServices) {}

  get(fileUri: vscode.Uri): TrainPanel | undefined {
    return this.panels.get(fileUri.toString());
  }

  /** The file of the training view that is active (in front and focused), if one is. */
  activeFile(): vscode.Uri | undefined {
    return [...this.panels.values()].find((p) => p.panel.active)?.fileUri;
  }

  /** Opens (or reveals) the file's training view. */
  show(fileUri: vscode.Uri): TrainPanel {
    const existing = this.panels.get(fileUri.toString());
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRAIN_VIEW_TYPE, `Train: ${baseName(fileUri)}`, { viewColumn: this.column(), preserveFocus: false }, this.options(fileUri));
    return this.attach(panel, fileUri);
  }

  /**
   * Where a new training view opens: beside the editor, in a column that is already there. The
   * column of an open training view first; else, with two or more editor groups, the one to the
   * right of the active group (or to its left when it is the last), so the editors do not shrink
   * into ever narrower columns; a new column only when there is just one.
   */
  private column(): vscode.ViewColumn {
    const open = [...this.panels.values()].map((p) => p.panel.viewColumn).find((c) => c !== undefined);
    if (open !== undefined) return open;
    const groups = vscode.window.tabGroups.all.map((g) => g.viewColumn).sort((a, b) => a - b);
    const active = vscode.window.tabGroups.activeTabGroup.viewColumn;
    if (groups.length < 2) return vscode.ViewColumn.Beside;
    return groups.find((c) => c > active) ?? groups.filter((c) => c < active).at(-1) ?? vscode.ViewColumn.Beside;
  }

  private options(fileUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const root = this.services.extensionUri;
    const runs = runParentDir(fileUri);
    return {
      enableScripts: true,
      enableForms: false,
      enableCommandUris: false,
      // The file's run folders too: the evaluation's pictures load from there.
      localResourceRoots: [vscode.Uri.joinPath(root, 'media'), vscode.Uri.joinPath(root, 'dist', 'media'), ...(runs ? [vscode.Uri.file(join(runs, RUNS_FOLDER))] : [])],
    };
  }

  private attach(panel: vscode.WebviewPanel, fileUri: vscode.Uri): TrainPanel {
    const root = this.services.extensionUri;
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'cnn-file.svg');
    panel.webview.options = this.options(fileUri);
    const webview = panel.webview;
    webview.html = trainHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'media', 'train.js')).toString(),
      bundleStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'media', 'train.css')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'train.css')).toString(),
      pageStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'page.css')).toString(),
      tableStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'layerTable.css')).toString(),
      title: baseName(fileUri),
      fileUri: fileUri.toString(),
    });
    const key = fileUri.toString();
    const trainPanel = new TrainPanel(panel, fileUri, this.services, () => {
      if (this.panels.get(key) === trainPanel) this.panels.delete(key);
    });
    this.panels.set(key, trainPanel);
    return trainPanel;
  }

  /** A training view that was open when the window reloaded; its page state names the file. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const fileUri = typeof state === 'object' && state !== null ? (state as { fileUri?: unknown }).fileUri : undefined;
    let uri: vscode.Uri | undefined;
    try {
      uri = typeof fileUri === 'string' ? vscode.Uri.parse(fileUri, true) : undefined;
    } catch {
      uri = undefined;
    }
    if (!uri || !uri.path.endsWith('.cnn') || this.panels.has(uri.toString())) {
      panel.dispose();
      return;
    }
    this.attach(panel, uri);
  }

  /** Relays a run's change to its file's panel, if one is open. */
  relay(fileKey: string, update: RunUpdate): void {
    this.panels.get(fileKey)?.relayUpdate(update);
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }
}
