// Builds the cpu backend's native kernels, build/cpu_kernels.node: runner/native/cpu_kernels.c over
// OpenBLAS, compiled with the system's C compiler against the N-API headers of npm `node-api-headers`
// (no node-gyp, no download). Skips with a message, exit code 0, when there is no compiler or no
// OpenBLAS (Debian: apt-get install gcc libopenblas-dev); the runner then trains on its portable
// TypeScript kernels and says so. CNN_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const source = 'runner/native/cpu_kernels.c';
const out = 'build/cpu_kernels.node';

function skip(why) {
  console.warn(`cpu kernels not built: ${why}. The cpu backend will use its portable TypeScript kernels (slow); `
    + 'on Debian or Ubuntu: apt-get install gcc libopenblas-dev, then npm run build.');
  process.exit(0);
}

if (process.env.CNN_NATIVE === '0') skip('CNN_NATIVE=0');
if (process.platform === 'win32') skip('building on Windows is not supported yet');
if (!existsSync(source)) process.exit(0);
let headers;
try {
  headers = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
} catch {
  skip('npm package node-api-headers is missing (npm install)');
}
if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs && !process.argv.includes('--force')) process.exit(0);
const cc = process.env.CC || 'cc';
if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C compiler (${cc})`);
const flags = ['-O3', '-shared', '-fPIC', '-pthread', '-Wall', `-I${headers}`];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup', '-I/opt/homebrew/opt/openblas/include', '-L/opt/homebrew/opt/openblas/lib');
// Debian keeps OpenBLAS's cblas.h under the multiarch include directory, which cc searches already.
mkdirSync('build', { recursive: true });
const result = spawnSync(cc, [...flags, source, '-lopenblas', '-lm', '-o', out], { encoding: 'utf8' });
if (result.status !== 0) {
  rmSync(out, { force: true });
  const text = `${result.stderr ?? ''}${result.error?.message ?? ''}`;
  skip(/cblas\.h|lopenblas|openblas/.test(text) ? 'OpenBLAS is missing (no cblas.h or libopenblas)' : `${cc} failed: ${text.trim().split('\n').slice(0, 3).join(' | ')}`);
}
console.log(`built ${out} (OpenBLAS)`);
