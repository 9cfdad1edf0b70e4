/**
 * The training view: a settings form filled from the file's train statement, Start / Cancel, the
 * progress bar, live charts, the run's result and the layer table. It only displays and asks; the
 * host owns the runner, the clipboard and the file system. The last run and the form are kept in
 * the webview state, so a hidden panel or a reloaded window comes back as it was.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { Network } from '../../server/src/language/network';
import type { EpochMetrics } from '../../runner/src/runFolder';
import { tableModel } from './layerTableModel';
import { Chart, PALETTE } from './trainCharts';
import { FIELD_LABELS, FIELD_NAMES, datasetField, fieldsFromNetwork, placeholders, settingsFromFields, settingsSummary, type FieldName, type FormFields } from './trainForm';
import { mountLayerTable } from './layerTableDom';
import { addStepLoss, type ComparisonView, type RunCurves, type RunView, type RunnerSummary, type TrainHostMessage, type TrainWebviewMessage } from './trainProtocol';
import { bandData, deviceLine, epochAxis, errorData, lossData, progressLine, resultLine, runSpeedData, showsTop5 } from './trainViewModel';
import { renderEvaluation } from './trainEvaluation';

interface SavedState {
  fileUri: string;
  fields?: FormFields;
  fromFile?: FormFields;
  run?: RunView | null;
  compare?: RunCurves[];
  /** The init/activation comparison the compared runs belong to, if they do. */
  comparison?: ComparisonView;
  /** The block instances open in the layer table. */
  expandedLayers?: string[];
}

interface VsCodeApi {
  postMessage(message: TrainWebviewMessage): void;
  getState(): SavedState | undefined;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from the page`);
  return e as T;
}

const fileUri = document.body.dataset.fileUri ?? '';
const saved = vscode.getState();
const state: SavedState = saved?.fileUri === fileUri ? saved : { fileUri };
let network: Network | undefined;
let runner: RunnerSummary | null = null;
const layerTable = mountLayerTable({
  post: (message) => vscode.postMessage(message),
  expanded: state.expandedLayers,
  onToggle: (expanded) => {
    state.expandedLayers = expanded;
    save();
  },
});

// ---- the form ----

type Control = HTMLElement & { value: string; invalid?: boolean; placeholder?: string };
const controls = new Map<FieldName, Control>();

const SELECT_OPTIONS: Partial<Record<FieldName, [string, string][]>> = {
  optimizer: [['', 'runner default (sgd)'], ['sgd', 'SGD with momentum'], ['adam', 'Adam']],
  backend: [['', 'auto (WebGPU on a GPU, else CPU)'], ['webgpu', 'WebGPU'], ['cpu', 'CPU (OpenBLAS, all cores)'], ['reference', 'reference (TypeScript, one thread)']],
  act: [['', 'as in the file'], ['relu', 'ReLU'], ['prelu', 'PReLU'], ['prelu-shared', 'PReLU (shared slope)'], ['leakyrelu', 'leaky ReLU'], ['tanh', 'tanh'], ['sigmoid', 'sigmoid']],
  init: [['', 'as in the file'], ['he', 'He (Kaiming)'], ['xavier', 'Xavier (Glorot)']],
};

function datasetOptions(): [string, string][] {
  const supported = runner?.datasets ?? ['shapes'];
  const options: [string, string][] = [['', 'runner default (shapes)']];
  for (const kind of ['shapes', 'mnist', 'fashion-mnist']) {
    options.push([kind, supported.includes(kind) ? kind : `${kind} (not supported by this runner)`]);
  }
  const own = network?.train?.dataset;
  if (own?.kind === 'folder') options.push([datasetField(own), `folder ${own.path}${supported.includes('folder') ? '' : ' (not supported by this runner)'}`]);
  return options;
}

/** The fixed choices, and PyTorch with its device where the runner found a Python with torch. */
function backendOptions(): [string, string][] {
  const options = [...SELECT_OPTIONS.backend!];
  if (runner?.backends.includes('pytorch')) options.push(['pytorch', `PyTorch (${runner.devices?.pytorch ?? 'torch'})`]);
  return options;
}

function makeSelect(name: FieldName, options: [string, string][]): Control {
  const select = document.createElement('vscode-single-select') as unknown as Control;
  for (const [value, label] of options) {
    const option = document.createElement('vscode-option');
    option.setAttribute('value', value);
    option.textContent = label;
    select.append(option);
  }
  select.id = `field-${name}`;
  return select;
}

function buildForm(): void {
  const form = byId('form');
  form.replaceChildren();
  controls.clear();
  for (const name of FIELD_NAMES) {
    const wrapper = document.createElement('div');
    wrapper.className = 'field';
    const label = document.createElement('vscode-label');
    label.setAttribute('for', `field-${name}`);
    label.textContent = FIELD_LABELS[name];
    const options = name === 'dataset' ? datasetOptions() : name === 'backend' ? backendOptions() : SELECT_OPTIONS[name];
    let control: Control;
    if (options) {
      control = makeSelect(name, options);
    } else {
      control = document.createElement('vscode-textfield') as unknown as Control;
      control.id = `field-${name}`;
      control.setAttribute('inputmode', 'decimal');
    }
    control.dataset.field = name;
    control.addEventListener('change', onFieldChange);
    control.addEventListener('input', onFieldChange);
    controls.set(name, control);
    wrapper.append(label, control);
    form.append(wrapper);
  }
}

function readFields(): FormFields {
  return Object.fromEntries(FIELD_NAMES.map((n) => [n, controls.get(n)?.value ?? ''])) as FormFields;
}

function writeFields(fields: FormFields): void {
  for (const name of FIELD_NAMES) {
    const control = controls.get(name);
    if (control && control.value !== fields[name]) control.value = fields[name];
  }
  // From the values given: a select that has not rendered its options yet reads back empty.
  updatePlaceholders(fields);
}

function updatePlaceholders(fields = readFields()): void {
  const ph = placeholders(network, fields.optimizer || network?.train?.optimizer || 'sgd');
  for (const [name, control] of controls) {
    if (control.tagName.toLowerCase() === 'vscode-textfield') control.placeholder = `${ph[name]} (default)`;
  }
  byId('settings-summary').textContent = settingsSummary(fields, network && fieldsFromNetwork(network), ph);
}

function onFieldChange(): void {
  for (const control of controls.values()) control.invalid = false;
  byId('form-error').textContent = '';
  state.fields = readFields();
  updatePlaceholders();
  save();
}

/**
 * A new analysis of the file: fields the user has not edited follow the train statement; edited
 * ones keep the user's value.
 */
function applyNetworkToForm(next: Network): void {
  const fromFile = fieldsFromNetwork(next);
  if (controls.size === 0 || !state.fromFile) {
    buildForm();
    writeFields(state.fields ?? fromFile);
  } else {
    const current = readFields();
    const merged = Object.fromEntries(
      FIELD_NAMES.map((n) => [n, current[n] === state.fromFile![n] ? fromFile[n] : current[n]]),
    ) as FormFields;
    writeFields(merged);
  }
  state.fromFile = fromFile;
  state.fields = readFields();
}

// ---- the run ----

const charts = {
  loss: new Chart(byId('chart-loss'), [
    { label: 'batch loss', color: 'blue', thin: true },
    { label: 'train loss (epoch)', color: 'green' },
    { label: 'validation loss', color: 'orange', dash: [6, 4] },
  ], { x: 'epoch', y: 'loss' }),
  error: new Chart(byId('chart-error'), [
    { label: 'top-1 error %', color: 'red' },
    { label: 'top-5 error %', color: 'purple', dash: [6, 4] },
  ], { x: 'epoch', y: 'error %', yRange: [0, 100] }),
  speed: new Chart(byId('chart-speed'), [{ label: 'samples/s', color: 'green' }], { x: 'epoch', y: 'samples/s' }),
  compareLoss: new Chart(byId('chart-compare-loss'), [], { x: 'epoch', y: 'validation loss' }),
  // Fitted to the runs, not 0–100: the seeds' bands differ by a few points, which a full axis flattens.
  compareError: new Chart(byId('chart-compare-error'), [], { x: 'epoch', y: 'top-1 error %' }),
};

const ACTIVE = new Set(['starting', 'queued', 'running']);

/** When the page heard the kernels start building (its own clock: the host's may be another machine's). */
let buildingSince: number | undefined;
let buildingTicker: ReturnType<typeof setInterval> | undefined;
let wasActive = false;

function renderRun(): void {
  const run = state.run ?? null;
  const active = run !== null && ACTIVE.has(run.status);
  // A run that starts folds the form to its summary line: the progress and charts are what matter now.
  if (active && !wasActive) (byId('settings') as HTMLDetailsElement).open = false;
  wasActive = active;
  const building = active && run?.kernels?.state === 'building';
  if (building) {
    buildingSince ??= performance.now();
    buildingTicker ??= setInterval(renderRun, 1000);
  } else {
    buildingSince = undefined;
    clearInterval(buildingTicker);
    buildingTicker = undefined;
  }
  const line = progressLine(run, buildingSince === undefined ? undefined : (performance.now() - buildingSince) / 1000);
  const bar = byId('progress') as HTMLElement & { value?: number; indeterminate: boolean };
  bar.indeterminate = line.fraction === undefined;
  if (line.fraction !== undefined) bar.value = line.fraction;
  byId('progress-text').textContent = line.text;
  byId('result').textContent = resultLine(run);
  byId('result').classList.toggle('failed', run?.status === 'failed');
  byId('start').toggleAttribute('disabled', active);
  byId('cancel').hidden = !active;
  byId('resume').hidden = !(run?.runDir && (run.status === 'cancelled' || run.status === 'failed'));
  renderEvaluation(byId('evaluation'), run?.evaluation);
  byId('open-run').hidden = !run?.runDir;
  const device = deviceLine(run, runner?.backend);
  byId('adapter').textContent = device.text;
  byId('adapter').title = device.title;
  const axis = epochAxis(run);
  for (const chart of [charts.loss, charts.error, charts.speed]) chart.setXRange(axis);
  charts.loss.setData(lossData(run));
  charts.error.setData(errorData(run?.epochs ?? [], showsTop5(run)));
  charts.speed.setData(runSpeedData(run));
}

function renderCompare(): void {
  const runs = state.compare ?? [];
  byId('compare-view').hidden = runs.length === 0;
  if (runs.length === 0) return;
  byId('compare-band-note').hidden = !runs.some((r) => r.group !== undefined && runs.filter((o) => o.group === r.group).length > 1);
  // A comparison across seeds: a band (min–max) per combination around its mean; picked runs: a line each.
  for (const [chart, pick] of [[charts.compareLoss, (e: EpochMetrics) => e.valLoss], [charts.compareError, (e: EpochMetrics) => 100 * e.top1Error]] as const) {
    const { data, series, bands } = bandData(runs, pick);
    chart.setSeries(series.map((s) => ({ label: s.label, color: PALETTE[s.colour % PALETTE.length], edge: s.edge })), bands);
    chart.setData(data);
  }
  renderComparison(state.comparison);
}

/** `cnn compare`'s table with a state column first; Cancel while a run is queued or running. */
function renderComparison(comparison: ComparisonView | undefined): void {
  byId('comparison').hidden = !comparison;
  byId('compare-cancel').hidden = !comparison?.active;
  if (!comparison) return;
  const done = comparison.rows.filter((r) => !/^(waiting|queued|starting|epoch|running)/.test(r.status)).length;
  const seeds = comparison.seeds.length;
  byId('comparison-status').textContent = comparison.active
    ? seeds > 1
      ? `Training ${comparison.rows.length} combinations × ${seeds} seeds (${comparison.seeds.join(', ')}) one after another: ${comparison.runs.ended} of ${comparison.runs.total} runs ended`
      : `Training ${comparison.rows.length} combinations one after another: ${done} ended`
    : comparison.report ? `Report: ${comparison.report}` : `Report not written: ${comparison.reportError ?? 'no run folder'}`;
  byId('comparison-resolution').textContent = `Resolution: ${comparison.resolution}`;
  byId('comparison-rule').textContent = comparison.rule;
  byId('comparison-conclusions').replaceChildren(...comparison.conclusions.map((text) => {
    const li = document.createElement('li');
    li.textContent = text;
    li.classList.toggle('resolved', !/: not resolved: /.test(text));
    return li;
  }));
  const cell = (tag: 'th' | 'td', text: string) => {
    const element = document.createElement(tag);
    element.textContent = text;
    return element;
  };
  const head = document.createElement('tr');
  head.append(...['state', ...comparison.header].map((h) => cell('th', h)));
  const rows = comparison.rows.map((row) => {
    const tr = document.createElement('tr');
    tr.append(cell('td', row.status), ...row.cells.map((c) => cell('td', c)));
    return tr;
  });
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  tbody.append(...rows);
  byId('comparison-table').replaceChildren(thead, tbody);
}

function save(): void {
  savedAt = Date.now();
  vscode.setState(state);
}

/**
 * Progress can arrive hundreds of times a second for a small network: the charts and the saved
 * state follow once per frame, not once per message.
 */
let frame: number | undefined;
/** The saved state holds the whole run; writing it once a second is enough to survive a reload. */
const SAVE_INTERVAL_MS = 1000;
let savedAt = 0;
function scheduleRender(): void {
  frame ??= requestAnimationFrame(() => {
    frame = undefined;
    renderRun();
    if (Date.now() - savedAt > SAVE_INTERVAL_MS) save();
  });
}

// ---- messages ----

const NOTICE_MS = 4000;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

function notice(message: string): void {
  const element = byId('notice');
  element.textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (element.textContent = ''), NOTICE_MS);
}

function currentRun(jobId: string): RunView | undefined {
  return state.run && state.run.jobId === jobId ? state.run : undefined;
}

window.addEventListener('message', (event: MessageEvent<TrainHostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'network':
      network = message.network;
      byId('title').textContent = message.fileName;
      applyNetworkToForm(message.network);
      layerTable.render(tableModel(message.network, message.fileName));
      state.expandedLayers = layerTable.expanded();
      break;
    case 'unavailable':
      byId('title').textContent = message.fileName;
      notice(message.message);
      break;
    case 'runner':
      runner = message.runner;
      if (message.message) notice(message.message);
      if (network) {
        // The dataset choices depend on what this runner supports.
        const fields = readFields();
        buildForm();
        writeFields(fields);
      }
      renderRun();
      break;
    case 'run':
      if (message.run) {
        // The host's run does not carry the evaluation the page already has for it.
        const evaluation = state.run?.jobId === message.run.jobId ? state.run.evaluation : undefined;
        state.run = { ...message.run, evaluation: message.run.evaluation ?? evaluation };
      }
      else if (state.run && ACTIVE.has(state.run.status)) {
        // The host has no such run: the window was reloaded and the runner with it.
        state.run = { ...state.run, status: 'failed', error: 'interrupted when the window reloaded; the finished epochs are in the run folder' };
      }
      renderRun();
      break;
    case 'progress': {
      const run = currentRun(message.jobId);
      if (!run) break;
      run.progress = message.progress;
      for (const point of message.losses) addStepLoss(run.stepLosses, point);
      for (const point of message.speeds ?? []) addStepLoss((run.stepSpeeds ??= []), point);
      scheduleRender();
      return;
    }
    case 'epoch': {
      const run = currentRun(message.jobId);
      if (!run) break;
      run.epochs.push(message.metrics);
      scheduleRender();
      return;
    }
    case 'evaluation': {
      const run = currentRun(message.jobId);
      if (!run) break;
      run.evaluation = message.evaluation;
      renderEvaluation(byId('evaluation'), run.evaluation);
      break;
    }
    case 'compare': {
      const first = !state.comparison && message.comparison !== undefined;
      state.compare = message.runs;
      state.comparison = message.comparison;
      renderCompare();
      // A comparison just started: its section is below the form and the run's charts.
      if (first) byId('compare-view').scrollIntoView({ block: 'start' });
      break;
    }
    case 'notice':
      notice(message.message);
      break;
  }
  save();
});

byId('start').addEventListener('click', () => {
  if (byId('start').hasAttribute('disabled')) return;
  const parsed = settingsFromFields(readFields());
  if ('error' in parsed) {
    byId('form-error').textContent = parsed.error;
    const control = controls.get(parsed.field);
    if (control) {
      control.invalid = true;
      control.focus();
    }
    return;
  }
  updatePlaceholders();
  vscode.postMessage({ type: 'start', settings: parsed.settings });
});
byId('cancel').addEventListener('click', () => vscode.postMessage({ type: 'cancel' }));
byId('resume').addEventListener('click', () => vscode.postMessage({ type: 'resume' }));
byId('compare').addEventListener('click', () => vscode.postMessage({ type: 'compareRuns' }));
byId('compare-cancel').addEventListener('click', () => vscode.postMessage({ type: 'cancelComparison' }));
byId('open-run').addEventListener('click', () => vscode.postMessage({ type: 'openRunFolder' }));

if (state.fields) {
  buildForm();
  writeFields(state.fields);
}
// A view that already shows a run opens with the form folded.
if (state.run) (byId('settings') as HTMLDetailsElement).open = false;
renderRun();
renderCompare();
save();
vscode.postMessage({ type: 'ready' });
