/**
 * Random and mutated files: analysis never throws, always ends, and every position it gives lies
 * inside the document. Features are checked over the same files in their own tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/language/analyze';
import { renderTable, TABLE_FORMATS } from '../../server/src/language/table';
import { assertInside, examples, mutatedExample, tokenSoup } from './generators';
import { assertProperty } from '../property';

test('random files of the language\'s words never throw and stay inside the document', () => {
  assertProperty(fc.property(tokenSoup, (text) => {
    const analysis = analyzeText(text);
    assertInside(text, analysis);
    for (const format of TABLE_FORMATS) renderTable(analysis.network, format);
  }), { numRuns: 400 });
});

test('mutated examples never throw and stay inside the document', () => {
  assertProperty(fc.property(mutatedExample, (text) => {
    const analysis = analyzeText(text);
    assertInside(text, analysis);
    for (const layer of analysis.network.layers) {
      assert.ok(layer.output.every((n) => Number.isSafeInteger(n) && n >= 1), `${layer.name} output ${layer.output}`);
      assert.ok(Number.isFinite(layer.params) && Number.isFinite(layer.neurons));
    }
  }), { numRuns: 400 });
});

test('arbitrary unicode never throws', () => {
  assertProperty(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
    assertInside(text, analyzeText(text));
  }), { numRuns: 300 });
});

test('re-parsing after an edit, reusing unchanged lines, gives what a fresh parse gives', () => {
  assertProperty(fc.property(fc.constantFrom(...examples), mutatedExample, (before, after) => {
    const fresh = analyzeText(after);
    const reused = analyzeText(after, {}, analyzeText(before));
    assert.deepEqual(reused.network, fresh.network);
    assert.deepEqual(reused.diagnostics, fresh.diagnostics);
  }), { numRuns: 200 });
});
