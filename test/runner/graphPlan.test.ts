/**
 * Plans and wiring of networks that are graphs: steps follow the Network's `inputs`, a layer's name
 * reaches the step holding its output (after its activation), merges and their activations become
 * steps, wrong wiring is refused naming the layer, and the wiring sums gradients where an output
 * feeds several steps and reuses gradient buffers only when their lifetimes do not overlap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, PlanError, type Plan } from '../../runner/src/plan';
import { wire } from '../../runner/src/wiring';
import { makeNetwork, residualBlock } from './fixtures';

const residual = residualBlock(3);

const refuses = (plan: () => unknown, pattern: RegExp) =>
  assert.throws(plan, (e: Error) => e instanceof PlanError && pattern.test(e.message), `expected PlanError matching ${pattern}`);

describe('plans of graph networks', () => {
  it('names steps after layers, the activation step holding the layer\'s output, and follows inputs', () => {
    const plan = buildPlan(makeNetwork([8, 8, 3], residual));
    const byName = new Map(plan.steps.map((s) => [s.name, s]));
    assert.deepEqual(plan.steps.map((s) => [s.name, s.kind, s.inputs.join(',')]), [
      ['stem#conv', 'conv', 'input'],
      ['stem', 'activation', 'stem#conv'],
      ['layer1.0.conv1', 'conv', 'stem'],
      ['layer1.0.bn1#batchnorm', 'batchnorm', 'layer1.0.conv1'],
      ['layer1.0.bn1', 'activation', 'layer1.0.bn1#batchnorm'],
      ['layer1.0.conv2', 'conv', 'layer1.0.bn1'],
      ['layer1.0.bn2', 'batchnorm', 'layer1.0.conv2'],
      ['layer1.0.downsample.0', 'conv', 'stem'],
      ['layer1.0.downsample.1', 'batchnorm', 'layer1.0.downsample.0'],
      ['layer1.0.out#add', 'add', 'layer1.0.bn2,layer1.0.downsample.1'],
      ['layer1.0.out', 'activation', 'layer1.0.out#add'],
      ['pool', 'globalavgpool', 'layer1.0.out'],
      ['fc', 'fc', 'pool'],
    ]);
    assert.deepEqual(byName.get('layer1.0.out#add')!.outShape, [4, 4, 8]);
    assert.equal(byName.get('layer1.0.out')!.layer, 'layer1.0.out');
    assert.equal(plan.paramCount, (27 * 4 + 4) + 4 * 9 * 8 + 16 + 8 * 9 * 8 + 16 + 4 * 8 + 16 + (8 * 3 + 3));
  });

  it('names parameters by the full layer name, batchnorm\'s as torchvision does', () => {
    const plan = buildPlan(makeNetwork([8, 8, 3], residual));
    const names = plan.steps.flatMap((s) => [...s.params.map((p) => p.name), ...s.state.map((p) => p.name)]);
    assert.deepEqual(names.filter((n) => n.startsWith('layer1.0.bn1')), [
      'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var',
    ]);
    assert.ok(names.includes('layer1.0.downsample.0.weight'));
    assert.ok(!names.some((n) => /gamma|beta/.test(n)));
  });

  it('act on batchnorm, add and concat becomes an activation step; PReLU learns one slope per channel there', () => {
    const plan = buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 3, kernel: 1, act: 'none' },
      { kind: 'batchnorm', name: 'bn', act: 'prelu' },
      { kind: 'conv', name: 'b', count: 3, kernel: 1, act: 'none', from: 'input' },
      { kind: 'add', name: 'sum', from: ['bn', 'b'], act: 'relu6' },
      { kind: 'concat', name: 'cat', from: ['sum', 'a'], act: 'prelu-shared' },
      { kind: 'softmax', count: 2 },
    ]));
    const act = (name: string) => plan.steps.find((s) => s.name === name)!;
    assert.equal(act('bn').kind, 'activation');
    assert.deepEqual(act('bn').inputs, ['bn#batchnorm']);
    assert.deepEqual(act('bn').params.map((p) => [p.name, p.size, (p.init as { value: number }).value]), [['bn.slope', 3, 0.25]]);
    assert.deepEqual([act('sum').kind, (act('sum') as { act: string }).act, act('sum').params.length], ['activation', 'relu6', 0]);
    assert.deepEqual(act('cat').params.map((p) => [p.name, p.size]), [['cat.slope', 1]]);
    assert.deepEqual(act('cat#concat').outShape, [4, 4, 6]);
    assert.deepEqual(act('cat#concat').inputs, ['sum', 'a']);
  });

  it('a training act override replaces an act batchnorm or a merge has, and adds none where it has none', () => {
    const plan = buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 2, kernel: 1, act: 'none' },
      { kind: 'batchnorm', name: 'bn' },
      { kind: 'add', name: 'sum', from: ['bn', 'input'], act: 'relu' },
      { kind: 'softmax', count: 2 },
    ]), { act: 'tanh' });
    assert.deepEqual(plan.steps.map((s) => s.kind === 'activation' ? `${s.name}:${s.act}` : s.name), ['a#conv', 'a:tanh', 'bn', 'sum#add', 'sum:tanh', 'softmax1']);
  });

  it('concatenates flat vectors too', () => {
    const plan = buildPlan(makeNetwork([2, 2, 1], [
      { kind: 'fc', name: 'a', count: 3, act: 'none' },
      { kind: 'fc', name: 'b', count: 5, act: 'none', from: 'input' },
      { kind: 'concat', name: 'cat', from: ['b', 'a'] },
      { kind: 'softmax', count: 2 },
    ]));
    const cat = plan.steps.find((s) => s.name === 'cat')!;
    assert.ok(cat.kind === 'concat');
    assert.deepEqual([cat.outShape, cat.positions, cat.channels], [[8], 1, [5, 3]]);
  });

  it('refuses wrong wiring, naming the layer', () => {
    const net = () => makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 3, kernel: 1 },
      { kind: 'conv', name: 'b', count: 3, kernel: 3, pad: 1 },
      { kind: 'add', name: 'sum', from: ['a', 'b'] },
      { kind: 'softmax', name: 'out', count: 2 },
    ]);
    const unknown = net();
    unknown.layers[2].inputs = ['a', 'nope'];
    refuses(() => buildPlan(unknown), /layer sum: it reads nope, which is not a layer defined before it/);
    const later = net();
    later.layers[1].inputs = ['sum'];
    refuses(() => buildPlan(later), /layer b: it reads sum, which is not a layer defined before it/);
    const wrongShape = net();
    wrongShape.layers[1].inputs = ['input'];
    refuses(() => buildPlan(wrongShape), /layer b: its input 4x4x3 does not match the previous output it reads, the network input 4x4x2/);
    const mismatch = net();
    mismatch.layers[2].inputShapes = [[4, 4, 3], [4, 4, 2]];
    refuses(() => buildPlan(mismatch), /layer sum: its input 4x4x2 does not match the previous output it reads, b's 4x4x3/);
    const oneOperand = net();
    oneOperand.layers[2].inputs = ['a'];
    refuses(() => buildPlan(oneOperand), /layer sum: add reads two or more inputs, got 1/);
    const twice = net();
    twice.layers[2].inputs = ['a', 'a'];
    refuses(() => buildPlan(twice), /layer sum: it names an input twice/);
    const duplicate = net();
    duplicate.layers[1].name = 'a';
    refuses(() => buildPlan(duplicate), /layer a: the name is used twice/);
    refuses(() => buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 3, kernel: 1 },
      { kind: 'conv', name: 'b', count: 2, kernel: 1, from: 'input' },
      { kind: 'add', name: 'sum', from: ['a', 'b'] },
      { kind: 'softmax', count: 2 },
    ])), /layer sum: add needs operands of one shape, got 4x4x3 and 4x4x2/);
    refuses(() => buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 3, kernel: 3 },
      { kind: 'concat', name: 'cat', from: ['a', 'input'] },
      { kind: 'softmax', count: 2 },
    ])), /layer cat: concat needs operands of one height and width/);
    refuses(() => buildPlan(makeNetwork([4, 4, 2], [{ kind: 'softmax', count: 2 }, { kind: 'softmax', count: 2, from: 'input' }])), /softmax must be the last layer/);
  });
});

describe('wiring', () => {
  /**
   * Every output gradient's lifetime in backward time, from first write (the last reader's backward,
   * or the loss for the last step) to the producer's backward, computed here from the plan directly.
   */
  const lifetimes = (plan: Plan) => {
    const n = plan.steps.length;
    const index = new Map(plan.steps.map((s, i) => [s.name, i]));
    const lastReader = plan.steps.map((_, i) => Math.max(-1, ...plan.steps.flatMap((s, j) => (s.inputs.some((x) => index.get(x) === i) ? [j] : []))));
    return plan.steps.map((_, i) => ({ from: i === n - 1 ? 0 : n - lastReader[i], to: n - i }));
  };

  it('sums the gradient of an output read by three steps: the last reader assigns, the others add', () => {
    const plan = buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'trunk', count: 3, kernel: 1, act: 'none' },
      { kind: 'conv', name: 'a', count: 3, kernel: 1, act: 'none' },
      { kind: 'conv', name: 'b', count: 3, kernel: 3, pad: 1, act: 'none', from: 'trunk' },
      { kind: 'add', name: 'sum', from: ['a', 'b', 'trunk'] },
      { kind: 'softmax', name: 'out', count: 2 },
    ]));
    const w = wire(plan);
    assert.deepEqual(plan.steps.map((s) => s.name), ['trunk', 'a', 'b', 'sum', 'out']);
    assert.deepEqual(w.sources, [[-1], [0], [0], [1, 2, 0], [3]]);
    assert.deepEqual(w.readers[0], [1, 2, 3]);
    // Backward runs out, sum, b, a, trunk: sum writes trunk's gradient first.
    assert.deepEqual(w.gradient, [['skip'], ['add'], ['add'], ['assign', 'assign', 'assign'], ['assign']]);
    // a and b each add trunk's 4x4x3 gradient, as their first operand.
    assert.deepEqual(w.scratchSizes, [48]);
    assert.ok(w.backward.every(Boolean));
  });

  it('gives every gradient a buffer no other live gradient holds, reusing buffers along a chain', () => {
    const chain = buildPlan(makeNetwork([6, 6, 2], [
      { kind: 'conv', count: 3, kernel: 3, act: 'relu' },
      { kind: 'maxpool', kernel: 2 },
      { kind: 'fc', count: 5, act: 'tanh' },
      { kind: 'softmax', count: 2 },
    ]));
    // Along a chain a step reads one gradient and writes the next: two buffers in turn.
    assert.equal(wire(chain).gradientSlotSizes.length, 2);
    assert.deepEqual(wire(chain).scratchSizes, []);
    for (const plan of [chain, buildPlan(makeNetwork([8, 8, 3], residual))]) {
      const w = wire(plan);
      const life = lifetimes(plan);
      plan.steps.forEach((s, i) => {
        assert.ok(w.gradientSlotSizes[w.gradientSlot[i]] >= s.outSize, `${s.name}: its buffer holds ${s.outSize} values`);
        plan.steps.forEach((t, j) => {
          if (j <= i || w.gradientSlot[i] !== w.gradientSlot[j]) return;
          const overlap = life[i].from <= life[j].to && life[j].from <= life[i].to;
          assert.ok(!overlap, `${s.name} and ${t.name} share gradient buffer ${w.gradientSlot[i]} while both live`);
        });
      });
      assert.ok(w.gradientSlotSizes.length < plan.steps.length, 'some buffer is reused');
    }
  });

  it('a layer nothing reads runs forward but passes no gradient back', () => {
    const plan = buildPlan(makeNetwork([4, 4, 2], [
      { kind: 'conv', name: 'a', count: 3, kernel: 1, act: 'none' },
      { kind: 'conv', name: 'unused', count: 2, kernel: 1, act: 'none' },
      { kind: 'softmax', name: 'out', count: 2, from: 'a' },
    ]));
    const w = wire(plan);
    assert.deepEqual(w.backward, [true, false, true]);
    assert.deepEqual(w.gradient, [['skip'], ['skip'], ['assign']]);
    assert.equal(w.gradientSlot[1], -1);
  });
});
