// What `npm run package` would put in the .vsix, asked of vsce itself: every file package.json
// points at ships, and no source, test, source map or node_modules does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

let listed: string[] | undefined;

/** vsce takes seconds to walk the tree, so both tests share one listing. */
function packagedFiles(): string[] {
  if (listed) return listed;
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const out = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  listed = out.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).sort();
  return listed;
}

const strip = (path: string): string => path.replace(/^\.\//, '');

test('every file package.json refers to is packaged', (t) => {
  if (!existsSync(join(root, 'dist', 'client.js'))) {
    t.skip('dist/ is not built: run `npm run build` first (npm test does)');
    return;
  }
  const files = new Set(packagedFiles());
  const cnn = manifest.contributes.languages.find((l: { id: string }) => l.id === 'cnn');
  const referenced = [
    'package.json',
    'LICENSE',
    manifest.main,
    manifest.icon,
    cnn.configuration,
    cnn.icon.light,
    cnn.icon.dark,
    ...manifest.contributes.grammars.map((g: { path: string }) => g.path),
    // Loaded at run time rather than named in package.json: the language server and the webview's page.
    'dist/server.js',
    'dist/media/layerTable.js',
    'media/page.css',
    'media/layerTable.css',
    'dist/media/train.js',
    'media/train.css',
    'dist/media/graph.js',
    'media/graph.css',
    'dist/media/compare.js',
    'media/compare.css',
  ].map(strip);
  for (const path of referenced) {
    if (path.startsWith('dist/') && !existsSync(join(root, path))) continue; // not built in this checkout yet
    assert.ok(files.has(path), `${path} is not in the .vsix`);
  }
  if (existsSync(join(root, 'README.md'))) assert.ok(files.has('README.md'));
});

test("the README's local images ship, since links are not rewritten to a repository", (t) => {
  const readmePath = join(root, 'README.md');
  if (!existsSync(readmePath)) {
    t.skip('no README.md yet');
    return;
  }
  const readme = readFileSync(readmePath, 'utf8');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]*\ssrc="([^"]+)"/g)]
    .map((m) => (m[1] ?? m[2]) as string)
    .filter((src) => !/^[a-z]+:/i.test(src))
    .map(strip)
    // A screenshot not made yet is the README's problem, not the package's.
    .filter((src) => existsSync(join(root, src)));
  const files = new Set(packagedFiles());
  for (const src of images) assert.ok(files.has(src), `${src} is shown by README.md but not in the .vsix`);
});

test('no sources, tests, source maps, node_modules or old packages are packaged', () => {
  const leaked = packagedFiles().filter(
    (f) => /\.(ts|mts|map|vsix)$/.test(f) || /^(node_modules|test|server|client|runner|scripts|bench|\.cache|media\/src)\//.test(f),
  );
  assert.deepEqual(leaked, []);
});
