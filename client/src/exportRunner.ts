/**
 * "CNN: Export model…" without the vscode module: the weights to offer (the network's runs with
 * weights, newest first, then fresh ones), and `cnn export FILE --to FORMAT ... --json` in a process
 * of its own, so the extension host never holds the tensors.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WEIGHTS_FILE } from '../../runner/src/runFolder';
import { runCliJson } from './cliProcess';
import { describeRun, listRunFolders, runsOfNetwork } from './training/runFolders';

export interface WeightsChoice {
  label: string;
  description: string;
  /** The run folder, or undefined for fresh weights. */
  runDir?: string;
}

/** The runs of the network beside `file` that have weights, newest first, then fresh weights. */
export function weightsChoices(file: string, networkName: string | undefined): WeightsChoice[] {
  const runs = runsOfNetwork(listRunFolders(dirname(file)), networkName).filter((r) => existsSync(join(r.path, WEIGHTS_FILE)));
  return [
    ...runs.map((r) => ({ label: r.name, description: describeRun(r), runDir: r.path })),
    { label: 'Fresh weights', description: 'initialised as `cnn train` starts (the train statement\'s seed)' },
  ];
}

export interface ExportAnswer {
  format: string;
  output: string;
  files: string[];
  weights: { runDir: string } | { seed: number };
}

/** Exporting VGG16 (553 MB of weights) takes a minute on a slow machine: ten are allowed. */
export function runExport(cliPath: string, file: string, format: string, runDir: string | undefined, output: string, execPath = process.execPath): Promise<ExportAnswer> {
  return runCliJson<ExportAnswer>(cliPath, 'export', [file, '--to', format, ...(runDir ? ['--weights', runDir] : []), '-o', output], execPath, 600_000);
}
