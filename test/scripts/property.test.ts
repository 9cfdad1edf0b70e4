/** Property tests are seeded: fixed by default, replayable with CNN_PROPERTY_SEED, and a failure names its seed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertProperty, DEFAULT_PROPERTY_SEED, PROPERTY_SEED, propertySeed } from '../property';

describe('property test seeds', () => {
  it('fixed by default, taken from CNN_PROPERTY_SEED, or random on request', () => {
    assert.equal(propertySeed({}), DEFAULT_PROPERTY_SEED);
    assert.equal(propertySeed({ CNN_PROPERTY_SEED: '42' }), 42);
    assert.ok(Number.isSafeInteger(propertySeed({ CNN_PROPERTY_SEED: 'random' })));
    assert.throws(() => propertySeed({ CNN_PROPERTY_SEED: 'x' }), /CNN_PROPERTY_SEED must be a whole number/);
  });

  it('the same seed draws the same cases', () => {
    const draw = () => {
      const seen: number[] = [];
      assertProperty(fc.property(fc.integer(), (n) => { seen.push(n); }), { numRuns: 20 });
      return seen;
    };
    assert.deepEqual(draw(), draw());
  });

  it('a failure prints the seed and how to replay it', () => {
    assert.throws(() => assertProperty(fc.property(fc.integer(), (n) => n < 10)), new RegExp(`property seed ${PROPERTY_SEED}: replay with CNN_PROPERTY_SEED=${PROPERTY_SEED}`));
  });
});
