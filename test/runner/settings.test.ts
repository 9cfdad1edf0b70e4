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
