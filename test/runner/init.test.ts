/**
 * Initial weights: the measured std of the drawn weights against the formulas of the spec
 * (He et al. 2015 with the PReLU correction, Glorot and Bengio 2010, fixed gaussian), and the
 * same seed giving the same weights.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialTensors } from '../../runner/src/init';
import { buildPlan } from '../../runner/src/plan';
import { makeNetwork } from './fixtures';

function std(a: Float32Array): { mean: number; std: number } {
  let s = 0, s2 = 0;
  for (const v of a) { s += v; s2 += v * v; }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean) };
}

describe('initial weights', () => {
  const net = makeNetwork([16, 16, 8], [
    { kind: 'conv', name: 'heRelu', count: 64, kernel: 5, act: 'relu', init: { kind: 'he' } },
    { kind: 'conv', name: 'hePrelu', count: 64, kernel: 3, pad: 1, act: 'prelu', init: { kind: 'he' } },
    { kind: 'conv', name: 'grouped', count: 64, kernel: 3, pad: 1, groups: 4, act: 'relu', init: { kind: 'he' } },
    { kind: 'conv', name: 'xav', count: 32, kernel: 3, act: 'tanh', init: { kind: 'xavier' } },
    { kind: 'conv', name: 'xavGrouped', count: 64, kernel: 3, pad: 1, groups: 8, act: 'tanh', init: { kind: 'xavier' } },
    { kind: 'fc', name: 'gauss', count: 300, act: 'relu', init: { kind: 'gaussian', std: 0.01 } },
    { kind: 'softmax', name: 'out', count: 10 },
  ]);
  const plan = buildPlan(net);
  const { params } = initialTensors(plan, 42);
  const weight = (name: string) => params.find((p) => p.name === `${name}.weight`)!.data;
  // 3.3 standard errors of a sample std (std / sqrt(2n)) is a 1-in-1000 miss for a correct draw.
  const expectStd = (name: string, expected: number) => {
    const w = weight(name);
    const m = std(w);
    const tolerance = 3.3 * expected / Math.sqrt(2 * w.length);
    assert.ok(Math.abs(m.std - expected) < tolerance, `${name}: measured std ${m.std}, formula ${expected} (±${tolerance})`);
    assert.ok(Math.abs(m.mean) < 4 * expected / Math.sqrt(w.length), `${name}: mean ${m.mean} should be about 0`);
  };

  it('he with relu: sqrt(2 / (kh kw Cin))', () => expectStd('heRelu', Math.sqrt(2 / (5 * 5 * 8))));
  it('he with prelu: sqrt(2 / ((1 + 0.25^2) n))', () => expectStd('hePrelu', Math.sqrt(2 / (1.0625 * 3 * 3 * 64))));
  it('he with groups: n counts the channels of one group', () => expectStd('grouped', Math.sqrt(2 / (3 * 3 * 16))));
  it('xavier: sqrt(2 / (fan_in + fan_out))', () => expectStd('xav', Math.sqrt(2 / (3 * 3 * 64 + 3 * 3 * 32))));
  // PyTorch's _calculate_fan_in_and_fan_out: fan-in is one group's channels, fan-out all the filters.
  it('xavier with groups: fan_in = kh kw Cin/groups, fan_out = kh kw filters', () => expectStd('xavGrouped', Math.sqrt(2 / (3 * 3 * 32 / 8 + 3 * 3 * 64))));
  it('gaussian(0.01)', () => expectStd('gauss', 0.01));

  it('biases start at 0 and PReLU slopes at 0.25', () => {
    assert.ok(params.filter((p) => p.name.endsWith('.bias')).every((p) => p.data.every((v) => v === 0)));
    const slope = params.find((p) => p.name === 'hePrelu.slope')!;
    assert.deepEqual(slope.shape, [64]);
    assert.ok(slope.data.every((v) => v === 0.25));
  });

  it('the Network initStd is used when it agrees with the init, refused when it does not, and an act override recomputes it', () => {
    const withStd = makeNetwork([4, 4, 1], [{ kind: 'conv', count: 2, kernel: 3, init: { kind: 'gaussian', std: 0.123 } }, { kind: 'softmax', count: 2 }]);
    withStd.layers[0].initStd = 0.123;
    assert.equal((buildPlan(withStd).steps[0].params[0].init as { std: number }).std, 0.123);
    const made = makeNetwork([4, 4, 1], [{ kind: 'conv', count: 2, kernel: 3 }, { kind: 'softmax', count: 2 }]);
    made.layers[0].initStd = 0.123;
    assert.throws(() => buildPlan(made), /layer conv1: the job claims initStd=0.123, but he init .* gives 0\.4714/);
    made.layers[0].initStd = Math.sqrt(2 / 9) * (1 + 1e-9);
    const overridden = buildPlan(made, { act: 'prelu' });
    assert.ok(Math.abs((overridden.steps[0].params[0].init as { std: number }).std - Math.sqrt(2 / (1.0625 * 9))) < 1e-12);
  });

  it('the same seed gives the same weights; another seed others', () => {
    const again = initialTensors(plan, 42).params;
    assert.deepEqual(again.map((p) => p.data), params.map((p) => p.data));
    const other = initialTensors(plan, 43).params;
    assert.notDeepEqual(other[0].data, params[0].data);
  });
});
