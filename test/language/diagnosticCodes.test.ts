/**
 * The registry of diagnostic codes is the one list: every code the language can report is in it,
 * and docs/language.md documents each with its severity.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import test from 'node:test';
import { DIAGNOSTIC_CODES } from '../../server/src/language/diagnosticCodes';

const source = readdirSync('server/src/language')
  .filter((f) => f.endsWith('.ts') && f !== 'diagnosticCodes.ts')
  .map((f) => readFileSync(`server/src/language/${f}`, 'utf8'))
  .join('\n');

test('every code written in the language library is in the registry', () => {
  // Codes appear as quoted kebab-case words next to a report or a diagnostic push.
  const written = new Set<string>();
  for (const m of source.matchAll(/(?:report\([^,]+,\s*|code:\s*|error\([^,]+,\s*|code === )'([a-z]+(?:-[a-z]+)+)'/g)) written.add(m[1]);
  for (const m of source.matchAll(/code: '([a-z]+(?:-[a-z]+)+)' \| '([a-z]+(?:-[a-z]+)+)'/g)) written.add(m[1]).add(m[2]);
  assert.ok(written.size > 20, `found only ${written.size} codes in the source: the pattern is stale`);
  const missing = [...written].filter((c) => !(c in DIAGNOSTIC_CODES));
  assert.deepEqual(missing, []);
});

test('docs/language.md has a row for every code with its severity', () => {
  const docs = readFileSync('docs/language.md', 'utf8');
  const missing = Object.entries(DIAGNOSTIC_CODES)
    .filter(([code, d]) => !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${d.severity}\\s*\\|`).test(docs))
    .map(([code, d]) => `${code} (${d.severity})`);
  assert.deepEqual(missing, [], 'rows missing from the diagnostic code table in docs/language.md');
});
