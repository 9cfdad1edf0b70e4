/** One rule for "is this CI", used by every test and script: CI set to anything but empty, false or 0. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isCI } from '../../scripts/lib/ci.mjs';
import { isCI as codeServerIsCI } from '../../scripts/lib/code-server.mjs';
import { repo } from '../runner/runnerClient';

describe('isCI', () => {
  it('CI=1, CI=true, CI=yes and a service name count as CI', () => {
    for (const value of ['1', 'true', 'TRUE', 'yes', 'woodpecker']) assert.equal(isCI({ CI: value }), true, `CI=${value}`);
  });
  it('an unset or empty CI, CI=false and CI=0 do not', () => {
    for (const value of [undefined, '', ' ', 'false', 'False', '0']) assert.equal(isCI({ CI: value }), false, `CI=${JSON.stringify(value)}`);
  });
  it('the scripts use the same rule', () => assert.equal(codeServerIsCI, isCI));
  it('no test or script reads process.env.CI itself', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) { if (name !== 'node_modules' && name !== 'fixtures') walk(path); continue; }
        if (!/\.(ts|mjs|js)$/.test(name) || path.endsWith(join('scripts', 'lib', 'ci.mjs'))) continue;
        if (/process\.env\.CI\b|process\.env\[['"]CI['"]\]/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    for (const dir of ['test', 'scripts', 'bench']) walk(join(repo, dir));
    assert.deepEqual(offenders.filter((p) => !p.endsWith('ci.test.ts')), []);
  });
});
