/**
 * Hostile or unlucky input (issue "Hardening"): no input makes the language library slow, huge or
 * wrong. Sizes here are the issue's; timings are the benchmark's job, so these assert the bounded
 * outputs and the exactness rules.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { analyzeText, MAX_DIAGNOSTICS } from '../../server/src/language/analyze';
import { format } from '../../server/src/language/formatting';
import { renderTable } from '../../server/src/language/table';

test('a 1 MB token gets diagnostics whose messages quote at most 60 characters of it', () => {
  const text = `input 8x8x1\nconv 4 f=3 ${'x'.repeat(1_000_000)}\nsoftmax 2`;
  const a = analyzeText(text);
  assert.ok(a.diagnostics.length > 0);
  for (const d of a.diagnostics) assert.ok(d.message.length < 300, `message of ${d.message.length} characters: ${d.message.slice(0, 80)}`);
});

test('at most 1,000 diagnostics a file, and one more that counts the rest', () => {
  const text = `input 8x8x1\n${'conv f=3 init=gaussian(\n'.repeat(5_000)}`;
  const a = analyzeText(text);
  assert.equal(a.diagnostics.length, MAX_DIAGNOSTICS + 1);
  const last = a.diagnostics[a.diagnostics.length - 1];
  assert.equal(last.code, 'too-many-diagnostics');
  assert.match(last.message, /more diagnostics/);
  assert.ok(JSON.stringify(a.network.diagnostics).length < 1_000_000);
});

test('sizes past 2^53 are too-large errors, never printed as 1e+21', () => {
  const big = analyzeText('input 99999999x99999999x99999999\nconv 4 f=3\nsoftmax 2');
  assert.deepEqual(big.diagnostics.map((d) => d.code), ['too-large']);
  assert.equal(big.network.layers.length, 0);
  const wide = analyzeText('input 100000x100000x3\nconv 100000000 f=3\nsoftmax 2');
  const d = wide.diagnostics.find((x) => x.code === 'too-large');
  assert.ok(d, JSON.stringify(wide.diagnostics));
  assert.equal(d.range.start.line, 1);
  for (const l of wide.network.layers) assert.ok(Number.isSafeInteger(l.params) && Number.isSafeInteger(l.macs));
  assert.ok(Number.isSafeInteger(wide.network.totals.params));
});

test('a 200,000-layer file formats and tables without overflowing the stack', () => {
  const lines = ['input 8x8x4'];
  for (let i = 0; i < 200_000; i++) lines.push(`c${i}: conv 4 f=1   # ${i}`);
  lines.push('softmax 2');
  const a = analyzeText(lines.join('\n'));
  assert.equal(a.network.layers.length, 200_001);
  const edits = format(a);
  assert.ok(Array.isArray(edits));
  const table = renderTable(a.network, 'text');
  assert.match(table, /c199999/);
});

test('a new, empty file (or one of comments) has no diagnostics; a file with a statement and no input has one', () => {
  assert.deepEqual(analyzeText('').diagnostics, []);
  assert.deepEqual(analyzeText('# my network\n\n').diagnostics, []);
  assert.deepEqual(analyzeText('network a').diagnostics.map((d) => d.code), ['missing-input']);
});

test('a binary file is read line by line without lexing its bytes: one diagnostic a line, capped', () => {
  const bytes = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  const a = analyzeText(bytes);
  assert.ok(a.diagnostics.length <= MAX_DIAGNOSTICS + 1);
  assert.match(a.diagnostics[0].message, /control character \(U\+[0-9A-F]{4}\) at column \d+/);
});

// The benchmark (npm run bench) prints these against their targets; this fails only when a target
// is missed five times over (200 ms for a 1 MB line, 2 s for 10 MB of random bytes), so a loaded
// machine does not fail it but a return of the old quadratic work (9.4 s, 20 s) does.
test('robustness: a 1 MB line and 10 MB of random bytes stay within five times their targets', async () => {
  const { randomBytes } = await import('node:crypto');
  const { performance } = await import('node:perf_hooks');
  const line = `input 8x8x1\nconv 4 f=3 ${'x'.repeat(1_000_000)}\nsoftmax 2`;
  let start = performance.now();
  analyzeText(line);
  assert.ok(performance.now() - start < 5 * 200, `a 1 MB line took ${(performance.now() - start).toFixed(0)} ms`);
  const random = randomBytes(10_000_000).toString('latin1');
  start = performance.now();
  analyzeText(random);
  assert.ok(performance.now() - start < 5 * 2000, `10 MB of random bytes took ${(performance.now() - start).toFixed(0)} ms`);
});
