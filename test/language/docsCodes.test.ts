// docs/language.md's table of diagnostic codes names every code the language reports, so a new
// diagnostic cannot ship undocumented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const languageDir = join(root, 'server', 'src', 'language');

function reportedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of readdirSync(languageDir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(languageDir, file), 'utf8');
    // this.report(span, 'error', 'code', ...), this.error(token, 'code', ...), new Failure('code', ...), code: 'a' | 'b'
    for (const m of source.matchAll(/'(?:error|warning|information|hint)',\s*'([a-z]+(?:-[a-z]+)+)'/g)) codes.add(m[1] as string);
    for (const m of source.matchAll(/this\.error\([^,]+,\s*'([a-z]+(?:-[a-z]+)+)'/g)) codes.add(m[1] as string);
    for (const m of source.matchAll(/new Failure\('([a-z]+(?:-[a-z]+)+)'/g)) codes.add(m[1] as string);
  }
  return codes;
}

test('every diagnostic code is in docs/language.md', () => {
  const docs = readFileSync(join(root, 'docs', 'language.md'), 'utf8');
  const codes = reportedCodes();
  assert.ok(codes.size > 30, `found only ${codes.size} codes: the patterns above no longer match the sources`);
  for (const code of ['unknown-layer', 'shape-mismatch', 'unused-block', 'too-large', 'nested-block', 'not-whole']) assert.ok(codes.has(code), code);
  const missing = [...codes].filter((code) => !docs.includes(`\`${code}\``)).sort();
  assert.deepEqual(missing, []);
});
