/**
 * The registry of diagnostic codes is the one list: every code the language can report is in it,
 * and docs/language.md documents each with its severity.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import test from 'node:test';
import { DIAGNOSTIC_CODES, diagnosticCodesMarkdown, SEVERITY_SETTINGS } from '../../server/src/language/diagnosticCodes';

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

test("docs/language.md's table of codes is the one generated from the registry (npm run docs)", () => {
  const docs = readFileSync('docs/language.md', 'utf8');
  const start = docs.indexOf('<!-- diagnostic-codes:start');
  const end = docs.indexOf('<!-- diagnostic-codes:end -->');
  assert.ok(start >= 0 && end > start, 'docs/language.md lacks the generated diagnostic-codes section');
  const section = docs.slice(docs.indexOf('\n', start) + 1, end).trim();
  assert.equal(section, diagnosticCodesMarkdown(), 'run npm run docs');
});

test('every severity setting the server reads is contributed by the extension, with the severities as its enum', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const properties = manifest.contributes.configuration.properties;
  for (const [setting, code] of Object.entries(SEVERITY_SETTINGS)) {
    const property = properties[`cnn.diagnostics.${setting}`];
    assert.ok(property, `package.json contributes no cnn.diagnostics.${setting}`);
    assert.equal(property.default, DIAGNOSTIC_CODES[code].severity);
    assert.deepEqual([...property.enum].sort(), ['error', 'hint', 'information', 'off', 'warning']);
  }
});
