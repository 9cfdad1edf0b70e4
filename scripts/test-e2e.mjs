// npm run test:e2e: the extension in a real VS Code (code-server in headless chromium).
//
// Packages the extension, installs code-server into .cache/ on first use, then runs
// test/e2e/*.test.ts with Node's test runner. Screenshots go to test-results/e2e/.
// Where chromium or code-server cannot be had, it says which and exits 0 (skipped), except under
// CI=true, where that is a failure. Extra arguments are test files to run instead of all of them.
//   --skip-package   use dist/cnn-spec.vsix as it is
//   --update-docs    after a run that passed, copy the step screenshots to docs/images/ (README)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MissingPrerequisite, ROOT, chromiumHint, ensureCodeServer, findChromium, isCI } from './lib/code-server.mjs';

const args = process.argv.slice(2);
const skipPackage = args.includes('--skip-package');
const updateDocs = args.includes('--update-docs');
const files = args.filter((a) => a !== '--skip-package' && a !== '--update-docs');
/** Screenshots (test-results/e2e/NAME.png) that illustrate the README, and their names in docs/images/. */
const DOC_IMAGES = {
  '01-hover-conv2': 'hover.png',
  '02-inlay-hints': 'inlay-hints.png',
  '03-squiggle-before-fix': 'squiggle-before-fix.png',
  '04-quick-fix-menu': 'quick-fix-menu.png',
  '05-squiggle-after-fix': 'squiggle-after-fix.png',
  '06-layer-table': 'layer-table.png',
  '07-resnet-hover': 'resnet-hover.png',
  '08-resnet-table': 'resnet-table.png',
  '09-compare': 'compare.png',
  '10-train': 'train.png',
  '11-graph-view': 'graph-view.png',
  '12-confusion': 'confusion.png',
  '13-misclassified': 'misclassified.png',
};
const t0 = Date.now();
const secs = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;

function notRun(why) {
  if (isCI()) {
    console.error(`test:e2e FAILED: under CI the end-to-end tests must run, and cannot: ${why}`);
    process.exit(1);
  }
  console.log(`test:e2e SKIPPED (not run): ${why}`);
  process.exit(0);
}

for (const f of files) if (!existsSync(f)) { console.error(`test:e2e: no such test file: ${f}`); process.exit(2); }

// Chromium first: it is the cheapest thing to check.
const browser = findChromium();
if (!browser) notRun(chromiumHint);

// The extension package: our own build, so a failure here is a failure, never a skip.
if (!skipPackage) {
  if (!existsSync(join(ROOT, 'client', 'src', 'extension.ts'))) {
    console.error('test:e2e: the extension client (client/src/extension.ts) is not in this checkout, so there is no extension to test.');
    process.exit(1);
  }
  console.log('▶ npm run package');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`test:e2e: \`npm run package\` failed (exit code ${r.status ?? r.error?.message})`); process.exit(1); }
}
const vsix = join(ROOT, 'dist', 'cnn-spec.vsix');
if (!existsSync(vsix)) { console.error(`test:e2e: ${relative(process.cwd(), vsix)} is missing (npm run package makes it)`); process.exit(1); }

try {
  await ensureCodeServer({ log: (l) => console.log(l) });
} catch (e) {
  if (e instanceof MissingPrerequisite) notRun(`code-server: ${e.message}`);
  console.error(`test:e2e: installing code-server failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

const testDir = join(ROOT, 'test', 'e2e');
const tests = files.length ? files : readdirSync(testDir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => relative(ROOT, join(testDir, f)));
rmSync(join(ROOT, 'test-results', 'e2e'), { recursive: true, force: true });
console.log(`▶ ${tests.length} end-to-end test file(s) against code-server in ${browser} (${secs()} so far)`);
// One file at a time: each starts its own code-server + chromium (about 1 GiB each).
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, CNN_E2E_VSIX: vsix },
});
console.log(`test:e2e: ${r.status === 0 ? 'passed' : 'FAILED'} in ${secs()}; screenshots in test-results/e2e/`);
if (updateDocs) {
  if (r.status !== 0) console.log('test:e2e: --update-docs: not updating docs/images/ after a failed run');
  else {
    mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
    for (const [shot, doc] of Object.entries(DOC_IMAGES)) {
      const from = join(ROOT, 'test-results', 'e2e', `${shot}.png`);
      if (existsSync(from)) { copyFileSync(from, join(ROOT, 'docs', 'images', doc)); console.log(`  docs/images/${doc} ← test-results/e2e/${shot}.png`); }
    }
  }
}
process.exit(r.status ?? 1);
