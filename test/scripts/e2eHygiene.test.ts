/**
 * The end-to-end files (which these unit tests do not run) keep to two rules: only
 * `npm run test:e2e -- --update-docs` writes docs/images/ (the tests save screenshots under
 * test-results/), and a tested command that disappears fails rather than turning into a todo.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from '../runner/runnerClient';

const dir = join(repo, 'test', 'e2e');
/** Each file's code, without its comment lines. */
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => ({
  name: f, text: readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n'),
}));

describe('end-to-end test files', () => {
  it('never write docs/images themselves', () => {
    for (const { name, text } of files) {
      // A path built with join(..., 'docs', 'images', ...) or written out as a string starting a path.
      assert.doesNotMatch(text, /['"]docs['"]\s*,\s*['"]images['"]|path:\s*[^,}]*docs\/images/, `${name} writes docs/images; save a shot in test-results/e2e and map it in scripts/test-e2e.mjs DOC_IMAGES`);
    }
  });

  it('have no todo tests, which pass (even under CI) when the thing they test is gone', () => {
    for (const { name, text } of files) assert.doesNotMatch(text, /\btodo\s*:/, name);
  });

  it('every screenshot --update-docs copies is one a test takes', () => {
    const script = readFileSync(join(repo, 'scripts', 'test-e2e.mjs'), 'utf8');
    const mapped = [...script.matchAll(/'(\d\d-[a-z0-9-]+)': '[a-z0-9-]+\.png'/g)].map((m) => m[1]);
    const all = files.map((f) => f.text).join('\n');
    for (const shot of mapped) assert.ok(all.includes(`'${shot}'`), `${shot} is mapped in DOC_IMAGES but no e2e test saves it`);
    assert.ok(mapped.includes('09-compare') && mapped.includes('10-train'));
  });
});
