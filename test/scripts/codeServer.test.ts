/**
 * npm start's code-server: installed once per user and version in the user's cache (not in every
 * clone), started behind a random password on a free port. Starting it needs an install, which the
 * unit tests do not make; the end-to-end harness signs in with the password on every run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, LEGACY_CACHE_DIR, codeServerVersion, userCacheRoot } from '../../scripts/lib/code-server.mjs';
import { repo } from '../runner/runnerClient';

describe('code-server for npm start and the end-to-end tests', () => {
  it('is installed in the user cache, per version: $CNN_CACHE_DIR, $XDG_CACHE_HOME, %LOCALAPPDATA%, ~/.cache', () => {
    assert.equal(userCacheRoot({ CNN_CACHE_DIR: '/c' }, 'linux', '/home/u'), '/c');
    assert.equal(userCacheRoot({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u'), join('/x', 'cnn-spec'));
    assert.equal(userCacheRoot({}, 'linux', '/root'), join('/root', '.cache', 'cnn-spec'), 'root on a fresh CI machine');
    assert.equal(userCacheRoot({ LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\h'), join('C:\\L', 'cnn-spec', 'Cache'));
    assert.ok(CACHE_DIR.endsWith(`code-server-${codeServerVersion()}`));
    assert.ok(!CACHE_DIR.startsWith(repo + '/'), 'not inside the clone');
    assert.equal(LEGACY_CACHE_DIR, join(repo, '.cache', 'code-server'), 'an older install in the clone is still found');
  });

  it('starts with a random password by default, given in $PASSWORD and never on the command line, and npm start prints it on a free port', () => {
    const lib = readFileSync(join(repo, 'scripts', 'lib', 'code-server.mjs'), 'utf8');
    assert.match(lib, /'--auth', password === undefined \? 'none' : 'password'/);
    assert.match(lib, /options\.auth === 'none' \? undefined : randomBytes\(/);
    assert.match(lib, /serverEnv\.PASSWORD = password/);
    const start = readFileSync(join(repo, 'scripts', 'start.mjs'), 'utf8');
    assert.doesNotMatch(start, /auth:\s*'none'|8765/);
    assert.match(start, /Password:\s+\$\{server\.password\}/);
    assert.match(start, /port = await freePort\(\)/);
    const harness = readFileSync(join(repo, 'test', 'e2e', 'harness.ts'), 'utf8');
    assert.match(harness, /openSignedIn\(page, server, /);
  });
});
