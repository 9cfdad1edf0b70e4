/**
 * The training form's fields as strings (what text fields and selects hold) and the settings they
 * mean. Filled from the file's `train` statement; an empty field sends nothing, so the runner's
 * merge (its default < the train statement < the job) decides, and the placeholder says what that is.
 * No DOM here, so the conversions are tested in Node.
 */
import type { Dataset, Network } from '../../server/src/language/network';
import { defaultTrainSamples } from '../../runner/src/settings';
import { describeRange as rangeText, NUMBER_SETTINGS, type NumberSettingName } from '../../server/src/language/trainSchema';
import { checkFormSettings, type FormSettings } from './trainProtocol';

export const FIELD_NAMES = [
  'dataset', 'epochs', 'batch', 'lr', 'momentum', 'weightDecay', 'optimizer', 'seed', 'backend', 'act', 'init', 'trainSamples',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];
export type FormFields = Record<FieldName, string>;

const NUMERIC: ReadonlySet<FieldName> = new Set(['epochs', 'batch', 'lr', 'momentum', 'weightDecay', 'seed', 'trainSamples']);

export const FIELD_LABELS: Record<FieldName, string> = {
  dataset: 'Dataset',
  epochs: 'Epochs',
  batch: 'Batch size',
  lr: 'Learning rate',
  momentum: 'Momentum',
  weightDecay: 'Weight decay',
  optimizer: 'Optimiser',
  seed: 'Seed',
  backend: 'Backend',
  act: 'Activation (all layers)',
  init: 'Initialisation (all layers)',
  trainSamples: 'Samples per epoch',
};

/** The dataset as the form's select holds it; a folder keeps its path. */
export function datasetField(dataset: Dataset | undefined): string {
  if (!dataset) return '';
  return dataset.kind === 'folder' ? `folder:${dataset.path}` : dataset.kind;
}

function datasetOf(field: string): Dataset | undefined {
  if (field === 'shapes' || field === 'mnist') return { kind: field };
  if (field.startsWith('folder:') && field.length > 'folder:'.length) return { kind: 'folder', path: field.slice('folder:'.length) };
  return undefined;
}

/** The file's train statement as field values; unset keys stay empty. */
export function fieldsFromNetwork(network: Network): FormFields {
  const t = network.train ?? {};
  const text = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    dataset: datasetField(t.dataset),
    epochs: text(t.epochs),
    batch: text(t.batch),
    lr: text(t.lr),
    momentum: text(t.momentum),
    weightDecay: text(t.weightDecay),
    optimizer: t.optimizer ?? '',
    seed: text(t.seed),
    backend: '',
    act: '',
    init: '',
    trainSamples: '',
  };
}

/** What an empty field means: the runner's defaults (runner/src/settings.ts), shown as placeholders. */
export function placeholders(network: Network | undefined, optimizer: string): Record<FieldName, string> {
  const inputSize = (network?.input ?? [1]).reduce((a, b) => a * b, 1);
  return {
    dataset: 'shapes',
    epochs: '5',
    batch: '32',
    lr: optimizer === 'adam' ? '0.001' : '0.01',
    momentum: '0.9',
    weightDecay: '0.0005',
    optimizer: 'sgd',
    seed: '1',
    backend: 'auto',
    act: 'as in the file',
    init: 'as in the file',
    trainSamples: String(defaultTrainSamples(inputSize)),
  };
}

/** The settings the fields ask for, or the first field that is not a valid value, named for the user. */
export function settingsFromFields(fields: Partial<FormFields>): { settings: FormSettings } | { error: string; field: FieldName } {
  const raw: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const value = (fields[name] ?? '').trim();
    if (value === '') continue;
    if (NUMERIC.has(name)) {
      const n = Number(value);
      if (!Number.isFinite(n)) return { error: `${FIELD_LABELS[name]}: "${value}" is not a number`, field: name };
      raw[name] = n;
    } else if (name === 'dataset') {
      const dataset = datasetOf(value);
      if (!dataset) return { error: `${FIELD_LABELS[name]}: unknown dataset "${value}"`, field: name };
      raw.dataset = dataset;
    } else if (name === 'init') {
      raw.init = { kind: value };
    } else {
      raw[name] = value;
    }
    const checked = checkFormSettings({ [name]: raw[name] });
    if ('error' in checked) return { error: `${FIELD_LABELS[name]}: ${describeRange(name, value)}`, field: name };
  }
  const checked = checkFormSettings(raw);
  return 'error' in checked ? { error: checked.error, field: 'epochs' } : checked;
}

function describeRange(name: FieldName, value: string): string {
  return name in NUMBER_SETTINGS ? `"${value}" must be ${rangeText(name as NumberSettingName)}` : `"${value}" is not one of the choices`;
}

/**
 * The folded form's one line: what Start will train with, each field's own value or, where it is
 * empty, what the runner takes instead (the file's train statement, else its default):
 * "shapes · 5 epochs · batch 32 · lr 0.01 · SGD · backend auto".
 */
export function settingsSummary(fields: FormFields, fromFile: FormFields | undefined, defaults: Record<FieldName, string>): string {
  const value = (name: FieldName) => fields[name].trim() || fromFile?.[name] || defaults[name];
  const dataset = value('dataset').replace(/^folder:/, 'folder ');
  const optimizer = value('optimizer') === 'adam' ? 'Adam' : 'SGD';
  const parts = [dataset, `${value('epochs')} epoch${value('epochs') === '1' ? '' : 's'}`, `batch ${value('batch')}`, `lr ${value('lr')}`, optimizer, `backend ${value('backend')}`];
  for (const name of ['act', 'init'] as const) if (fields[name]) parts.push(`${name} ${fields[name]}`);
  return parts.join(' · ');
}
