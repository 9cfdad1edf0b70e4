/**
 * "CNN: Export model…" without the vscode module: the weights to offer (the network's runs with
 * weights, newest first, then fresh ones), and `cnn export FILE --to FORMAT ... --json` run through
 * dist/cli.js in a process of its own, so the extension host never holds the tensors.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WEIGHTS_FILE } from '../../runner/src/runFolder';
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

export function runExport(cliPath: string, file: string, format: string, runDir: string | undefined, output: string, execPath = process.execPath): Promise<ExportAnswer> {
  const args = [cliPath, 'export', file, '--to', format, ...(runDir ? ['--weights', runDir] : []), '-o', output, '--json'];
  return new Promise((resolve, reject) => {
    execFile(execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 16 << 20, timeout: 600_000, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const said = stderr.trim().split('\n').filter(Boolean).map((l) => l.replace(/^cnn( export)?: /, '')).join('; ');
        reject(new Error(said || error.message));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ExportAnswer);
      } catch {
        reject(new Error(`cnn export gave no answer: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
