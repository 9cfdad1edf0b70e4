/** `cnn train`: flags over the network's train statement, JSON lines, exit codes, the run folder beside the file. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseTrainArgs, trainCommand } from '../../runner/src/trainCommand';
import { makeNetwork } from './fixtures';
import { capture } from '../capture';
import { tempDir } from '../tempDir';

const net = () => {
  const n = makeNetwork([10, 10, 1], [{ kind: 'conv', count: 4, kernel: 3 }, { kind: 'maxpool', kernel: 2 }, { kind: 'softmax', count: 3 }], 'cmd');
  n.train = { dataset: { kind: 'shapes' }, epochs: 7, batch: 8, lr: 0.05 };
  return n;
};

describe('cnn train', () => {
  it('prints JSON lines, flags override the train statement, and the run folder sits beside the file', async () => {
    const file = join(tempDir('cnn-cmd-'), 'cmd.cnn');
    const c = capture();
    const code = await trainCommand(net(), ['--epochs', '2', '--batch=16', '--samples', '64', '--backend', 'reference', '--json'], file, c.io);
    assert.equal(code, 0, c.err());
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual([lines[0].type, lines.at(-1).type], ['started', 'done']);
    assert.equal(lines[0].settings.epochs, 2);
    assert.equal(lines[0].settings.batch, 16);
    assert.equal(lines[0].settings.lr, 0.05, 'lr from the train statement');
    assert.equal(lines.filter((l) => l.type === 'epoch').length, 2);
    assert.ok(lines.some((l) => l.type === 'progress' && l.loss > 0));
    assert.equal(dirname(dirname(lines.at(-1).runDir)), dirname(file));
    assert.ok(existsSync(join(lines.at(-1).runDir, 'weights.safetensors')));
  });

  it('plain text on a pipe: one line per epoch with loss and top-1 error; top-5 only with more than 5 classes', async () => {
    const file = join(tempDir('cnn-cmd-'), 'cmd.cnn');
    const c = capture();
    assert.equal(await trainCommand(net(), ['--epochs', '1', '--samples', '32', '--backend', 'reference'], file, c.io), 0);
    assert.match(c.out(), /dataset shapes \(3 classes\), 1 epoch of 32 samples, batch 8, sgd lr 0\.05\n/);
    assert.match(c.out(), /epoch 1\/1: train loss \d+\.\d+, val loss \d+\.\d+, top-1 error \d+\.\d%, \d/);
    assert.doesNotMatch(c.out(), /top-5/, 'with 3 classes the true class is always in the top 5');
    assert.doesNotMatch(c.out(), /\r/);
    const six = makeNetwork([10, 10, 1], [{ kind: 'conv', count: 4, kernel: 3 }, { kind: 'maxpool', kernel: 2 }, { kind: 'softmax', count: 6 }], 'cmd');
    const d = capture();
    assert.equal(await trainCommand(six, ['--epochs', '1', '--samples', '32', '--backend', 'reference', '--schedule', 'step(1,0.5)', '--warmup', '1'], file, d.io), 0, d.err());
    assert.match(d.out(), /schedule step\(1,0\.5\) after a 1-epoch warmup\n/);
    assert.match(d.out(), /top-1 error \d+\.\d%, top-5 error \d+\.\d%/);
  });

  it('usage errors exit 2 with a message; a diverging run exits 1', async () => {
    for (const args of [['--epochs'], ['--epochs', 'x'], ['--lr', '1e'], ['--backend', 'cuda'], ['--frobnicate'], ['--schedule', 'linear'], ['--schedule', 'step(0,0.1)'], ['--warmup', '1.5']]) {
      const c = capture();
      assert.equal(await trainCommand(net(), args, 'x.cnn', c.io), 2, args.join(' '));
      assert.match(c.err(), /cnn train: .+\nusage: cnn train FILE/);
    }
    const c = capture();
    assert.equal(await trainCommand(net(), ['--epochs', '0', '--backend', 'reference'], 'x.cnn', c.io), 2);
    assert.match(c.err(), /epochs must be a whole number/);
    const d = capture();
    const file = join(tempDir('cnn-cmd-'), 'cmd.cnn');
    assert.equal(await trainCommand(net(), ['--lr', '1e5', '--samples', '64', '--backend', 'reference', '--json'], file, d.io), 1);
    const failed = JSON.parse(d.out().trim().split('\n').at(-1)!);
    assert.equal(failed.type, 'failed');
    assert.equal(failed.code, 'non-finite-loss');
  });

  it('parses numbers strictly', () => {
    assert.deepEqual(parseTrainArgs(['--lr', '0.001', '--optimizer', 'adam']), { settings: { lr: 0.001, optimizer: 'adam' }, json: false });
    assert.ok('error' in parseTrainArgs(['--batch', '2.5']));
  });
});
