/**
 * Ctrl+C in `cnn train` and `cnn compare` (real processes, real signals): the first stops the run at
 * its next step with the weights saved and the run marked interrupted; a second quits at once
 * (exit 130) and the run folder still has the last saved weights and says interrupted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunStatus } from '../../runner/src/runFolder';
import { repo } from './runnerClient';
import { tempDir } from '../tempDir';

const NETWORK = 'network tiny\ninput 12x12x1\nconv 4 f=3\nmaxpool f=2\nsoftmax 4\n';

interface Cli {
  child: ChildProcess;
  lines: () => any[];
  /** Resolves with the first JSON line matching, or rejects after timeoutMs. */
  line(predicate: (l: any) => boolean, timeoutMs?: number): Promise<any>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** The CLI from source; it runs in the repository (for tsx), the .cnn file given by its full path. */
function cli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'server/src/cli.ts'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child, lines, exited, stderr: () => err,
    async line(predicate, timeoutMs = 60000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().find(predicate);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`no matching line within ${timeoutMs} ms (exit ${child.exitCode}); stdout: ${out.slice(-2000)}; stderr: ${err.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function exitCode(c: Cli, timeoutMs = 60000): Promise<number | null> {
  const timer = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  try {
    return await c.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('Ctrl+C while training', { skip: process.platform === 'win32' && 'POSIX signals' }, () => {
  it('cnn train: Ctrl+C stops at the next step, saves the weights and marks the run interrupted (exit 0)', async () => {
    const dir = tempDir('cnn-sigint-');
    writeFileSync(join(dir, 'tiny.cnn'), NETWORK);
    const c = cli(['train', join(dir, 'tiny.cnn'), '--json', '--backend', 'reference', '--epochs', '100000', '--samples', '64', '--batch', '16']);
    await c.line((l) => l.type === 'epoch' && l.epoch === 2);
    c.child.kill('SIGINT');
    assert.equal(await exitCode(c), 0, c.stderr());
    const done = c.lines().find((l) => l.type === 'done');
    assert.equal(done.cancelled, true);
    const status = readRunStatus(done.runDir)!;
    assert.equal(status.status, 'interrupted');
    assert.ok(status.weights!.epoch >= 2);
    assert.ok(existsSync(join(done.runDir, 'weights.safetensors')));
    assert.match(c.stderr(), /cnn train: stopping after this step and saving the weights \(Ctrl\+C again to quit at once\)/);
  });

  it('cnn train: a second Ctrl+C (or SIGTERM) quits at once (exit 130); the folder keeps the last epoch\'s weights and says interrupted', async () => {
    const dir = tempDir('cnn-sigint-twice-');
    writeFileSync(join(dir, 'tiny.cnn'), NETWORK);
    const c = cli(['train', join(dir, 'tiny.cnn'), '--json', '--backend', 'reference', '--epochs', '100000', '--samples', '64', '--batch', '16']);
    const started = await c.line((l) => l.type === 'started');
    await c.line((l) => l.type === 'epoch' && l.epoch === 1);
    // Two of one signal sent at once may arrive as one: the second is a SIGTERM, which counts the same.
    c.child.kill('SIGINT');
    c.child.kill('SIGTERM');
    assert.equal(await exitCode(c), 130, c.stderr());
    const status = readRunStatus(started.runDir)!;
    assert.equal(status.status, 'interrupted');
    assert.ok(status.weights !== null);
    assert.ok(existsSync(join(started.runDir, 'weights.safetensors')));
  });

  it('cnn compare: Ctrl+C stops the run in progress (weights saved), skips the rest and still writes the report', async () => {
    const dir = tempDir('cnn-sigint-compare-');
    writeFileSync(join(dir, 'tiny.cnn'), NETWORK);
    const c = cli(['compare', join(dir, 'tiny.cnn'), '--inits', 'he,xavier', '--acts', 'relu', '--seeds', '1', '--backend', 'reference', '--epochs', '100000', '--samples', '64', '--batch', '16', '--json']);
    await c.line((l) => l.type === 'epoch' && l.epoch === 1);
    c.child.kill('SIGINT');
    await exitCode(c);
    const runs = c.lines().filter((l) => l.type === 'run');
    assert.equal(runs.length, 2, c.stderr());
    assert.match(runs[0].failure, /interrupted \(Ctrl\+C\) after \d+ epoch/);
    assert.equal(readRunStatus(runs[0].runDir)!.status, 'interrupted');
    assert.ok(existsSync(join(runs[0].runDir, 'weights.safetensors')));
    assert.equal(runs[1].failure, 'not trained: interrupted (Ctrl+C)');
    const summary = c.lines().find((l) => l.type === 'summary');
    assert.ok(summary && existsSync(summary.report), 'the report is written');
    assert.equal(readdirSync(join(dir, '.cnn-runs')).filter((d) => !d.endsWith('.md') && existsSync(join(dir, '.cnn-runs', d, 'status.json'))).length, 1, 'no run folder for the skipped run');
    assert.ok(readFileSync(summary.report, 'utf8').length > 0);
  });
});
