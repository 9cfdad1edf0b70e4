/**
 * One table of ranges (server/src/language/trainSchema.ts) for the `train` statement, the runner's
 * jobs and the training form: the same value is accepted or refused by all three.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { analyzeText } from '../../server/src/language/analyze';
import { resolveSettings, SettingsError } from '../../runner/src/settings';
import { checkFormSettings } from '../../media/src/trainProtocol';

const network = analyzeText('input 8x8x1\nconv 4 f=3\nsoftmax 2').network;

test('null (JSON NaN) and other non-numbers are refused, not replaced by the default', () => {
  for (const lr of [null, Number.NaN, '0.1', Number.POSITIVE_INFINITY]) {
    assert.throws(() => resolveSettings(network, { lr: lr as unknown as number }), (e: unknown) => e instanceof SettingsError && /lr must be a number greater than 0/.test((e as Error).message));
  }
  assert.equal(resolveSettings(network, {}).lr, 0.01);
  assert.equal(resolveSettings(network, { optimizer: 'adam' }).lr, 0.001);
});

test('the statement, the runner and the form agree on every boundary', () => {
  const cases: [string, string, number, boolean][] = [
    ['momentum', 'momentum', 0.99, true],
    ['momentum', 'momentum', 1, false],
    ['lr', 'lr', 0, false],
    ['lr', 'lr', 1e6, true],
    ['weight_decay', 'weightDecay', 1, true],
    ['weight_decay', 'weightDecay', 1.5, false],
    ['epochs', 'epochs', 100000, true],
    ['epochs', 'epochs', 100001, false],
    ['seed', 'seed', 0, true],
    ['batch', 'batch', 0, false],
    ['warmup', 'warmup', 0, true],
    ['warmup', 'warmup', 2.5, false],
  ];
  for (const [key, field, value, ok] of cases) {
    const statement = analyzeText(`input 8x8x1\nconv 4 f=3\nsoftmax 2\ntrain ${key}=${value}`).diagnostics.filter((d) => d.code === 'invalid-value');
    assert.equal(statement.length === 0, ok, `train ${key}=${value}`);
    let runnerOk = true;
    try {
      resolveSettings(network, { [field]: value });
    } catch {
      runnerOk = false;
    }
    assert.equal(runnerOk, ok, `runner ${field}=${value}`);
    assert.equal('settings' in checkFormSettings({ [field]: value }), ok, `form ${field}=${value}`);
  }
});

test('schedule: the statement, the runner and the form agree', () => {
  const cases: [string, unknown, boolean][] = [
    ['cosine', { kind: 'cosine' }, true],
    ['constant', { kind: 'constant' }, true],
    ['step(3,0.1)', { kind: 'step', every: 3, factor: 0.1 }, true],
    ['step(3,1)', { kind: 'step', every: 3, factor: 1 }, true],
    ['step(0,0.1)', { kind: 'step', every: 0, factor: 0.1 }, false],
    ['step(3,0)', { kind: 'step', every: 3, factor: 0 }, false],
    ['step(3,1.5)', { kind: 'step', every: 3, factor: 1.5 }, false],
    ['step(3)', { kind: 'step', every: 3 }, false],
    ['linear', { kind: 'linear' }, false],
  ];
  for (const [written, job, ok] of cases) {
    const analysis = analyzeText(`input 8x8x1\nconv 4 f=3\nsoftmax 2\ntrain schedule=${written}`);
    assert.equal(analysis.diagnostics.filter((d) => d.code === 'invalid-value').length === 0, ok, `train schedule=${written}`);
    if (ok) assert.deepEqual(analysis.network.train?.schedule, job);
    let runnerOk = true;
    try {
      resolveSettings(network, { schedule: job as never });
    } catch (error) {
      assert.match((error as Error).message, /^schedule: /);
      runnerOk = false;
    }
    assert.equal(runnerOk, ok, `runner ${JSON.stringify(job)}`);
    assert.equal('settings' in checkFormSettings({ schedule: job }), ok, `form ${JSON.stringify(job)}`);
  }
  assert.deepEqual(resolveSettings(network, {}).schedule, { kind: 'constant' });
});

test('the datasets: mnist and fashion-mnist are accepted, anything else refused with the list', () => {
  for (const kind of ['mnist', 'fashion-mnist']) {
    assert.equal(analyzeText(`input 28x28x1\nconv 4 f=3\nsoftmax 10\ntrain dataset=${kind}`).diagnostics.length, 0, kind);
    assert.equal(resolveSettings(network, { dataset: { kind } as never }).dataset.kind, kind);
  }
  assert.throws(() => resolveSettings(network, { dataset: { kind: 'cifar' } as never }), /dataset must be shapes, mnist, fashion-mnist or folder\(PATH\)/);
});
