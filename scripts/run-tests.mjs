// Runs every test/**/*.test.ts except the end-to-end suite with Node's own test runner (via tsx).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const skip = new Set(['test/e2e', 'test/desktop']);
function find(dir) {
  if (skip.has(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}
const only = process.argv.slice(2);
const files = only.length ? only : find('test').sort();
// No test may hang the run: each gets at most 10 minutes (the slowest, cpu against reference on every example, takes 2-6).
// Two files at a time: Node's default on 2 cores is one, and most files spend their time waiting on
// a child process (python with torch, the runner, the server), so the whole run took 9.6 minutes
// instead of about 14. TEST_CONCURRENCY=1 runs them one by one.
const concurrency = Number(process.env.TEST_CONCURRENCY) || 2;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
