/**
 * The runner recomputes what a job claims: every example's analysis agrees with the runner's
 * arithmetic (so real jobs pass), while made-up shapes, counts and stds, and null or non-finite
 * numbers, are refused naming the layer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { buildPlan, PlanError } from '../../runner/src/plan';
import { makeNetwork, lenet5 } from './fixtures';
import { repo } from './runnerClient';

const refuses = (network: Network, pattern: RegExp) =>
  assert.throws(() => buildPlan(network), (e: Error) => e instanceof PlanError && pattern.test(e.message), `expected PlanError matching ${pattern}`);

const copy = (n: Network): Network => JSON.parse(JSON.stringify(n));

describe('the runner checks what a job claims', () => {
  it('every example network, as the language analyses it, passes the checks (and a JSON round trip)', () => {
    const dir = join(repo, 'examples');
    let checked = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cnn'))) {
      const network = analyzeText(readFileSync(join(dir, file), 'utf8')).network;
      if (network.diagnostics.some((d) => d.severity === 'error')) continue;
      const plan = buildPlan(copy(network));
      assert.equal(plan.paramCount, network.totals.params, file);
      checked++;
    }
    assert.ok(checked >= 10, `only ${checked} examples planned`);
  });

  it('refuses a kernel larger than its input with a made-up output shape', () => {
    const net = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 4, kernel: 3 }, { kind: 'softmax', count: 2 }]);
    const forged = copy(net);
    forged.layers[0].kernel = [11, 11];
    refuses(forged, /layer conv1: the 11-wide kernel does not fit in the 8 \+ 2·0 rows of its 8x8x1 input/);
    const shape = copy(net);
    shape.layers[0].output = [7, 7, 4];
    shape.layers[1].input = [7, 7, 4];
    refuses(shape, /layer conv1: the job claims output 7x7x4, but .* gives 6x6x4/);
  });

  it('refuses made-up pooling, dense, merge and same-shape outputs, naming the layer', () => {
    const net = lenet5();
    const pool = copy(net);
    pool.layers[1].output = [10, 10, 6];
    pool.layers[2].input = [10, 10, 6];
    pool.layers[2].output = [6, 6, 16];
    pool.layers[3].input = [6, 6, 16];
    refuses(pool, /layer maxpool1: the job claims output 10x10x6, but .* gives 14x14x6/);
    const fc = copy(net);
    fc.layers[4].output = [99];
    fc.layers[5].input = [99];
    refuses(fc, /layer fc1: the job claims output 99, but 120 units gives 120/);
    const drop = makeNetwork([4, 4, 2], [{ kind: 'dropout' }, { kind: 'softmax', count: 2 }]);
    drop.layers[0].output = [4, 4, 3];
    drop.layers[1].input = [4, 4, 3];
    refuses(drop, /layer dropout1: the job claims output 4x4x3/);
  });

  it('refuses parameter counts, fans and stds that disagree with the layer', () => {
    const params = copy(lenet5());
    params.layers[0].params += 1;
    refuses(params, /layer conv1: the job claims params=157, but 150 weights \+ 6 biases \+ 0 activation parameters gives 156/);
    const weights = copy(lenet5());
    weights.layers[4].weights = 1;
    refuses(weights, /layer fc1: the job claims weights=1/);
    const fan = copy(lenet5());
    fan.layers[2].fanIn = 3;
    refuses(fan, /layer conv2: the job claims fanIn=3, but the layer's parameters give 150/);
    const std = copy(lenet5());
    std.layers[0].initStd = 0.3;
    refuses(std, /layer conv1: the job claims initStd=0.3/);
    const within = copy(lenet5());
    within.layers[0].initStd = Math.sqrt(2 / 25) * (1 + 1e-8);
    assert.doesNotThrow(() => buildPlan(within));
    const totals = copy(lenet5());
    totals.totals.params = 12;
    refuses(totals, /the job claims totals.params=12, but its layers' parameters add up to/);
  });

  it('refuses null and non-finite numbers where numbers are required, never taking a default', () => {
    const cases: [string, (n: Network) => void, RegExp][] = [
      ['stride null', (n) => { (n.layers[1] as any).stride = null; }, /layer maxpool1: stride is null/],
      ['kernel null', (n) => { (n.layers[0] as any).kernel = null; }, /layer conv1: kernel is null/],
      ['count NaN', (n) => { (n.layers[0] as any).count = NaN; }, /layer conv1: count must be a whole number ≥ 1, got NaN/],
      ['stride 0', (n) => { n.layers[1].stride = [0, 0]; }, /layer maxpool1: stride\[0\] must be a whole number ≥ 1, got 0/],
      ['initStd Infinity', (n) => { n.layers[0].initStd = Infinity; }, /layer conv1: initStd must be a finite number, got Infinity/],
      ['params null', (n) => { (n.layers[0] as any).params = null; }, /layer conv1: params must be a whole number ≥ 0, got null/],
      ['init std null', (n) => { (n.layers[5] as any).init = { kind: 'gaussian', std: null }; }, /layer fc2: init must be/],
      ['bias null', (n) => { (n.layers[5] as any).bias = null; }, /layer fc2: bias is null/],
      ['act unknown', (n) => { (n.layers[5] as any).act = 'swish'; }, /layer fc2: act must be one of/],
      ['a null layer', (n) => { (n.layers as any)[2] = null; }, /layer 3 of the job is not a layer object: null/],
      ['a huge input', (n) => { n.input = [1e6, 1e6, 3]; n.layers[0].input = [1e6, 1e6, 3]; }, /input HxWxC|values per sample/],
    ];
    for (const [what, forge, pattern] of cases) {
      const n = copy(lenet5());
      forge(n);
      assert.throws(() => buildPlan(n), (e: Error) => e instanceof PlanError && pattern.test(e.message), `${what}: expected ${pattern}`);
    }
  });
});
