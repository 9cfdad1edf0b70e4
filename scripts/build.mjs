// Bundles every entry point that exists with esbuild: one file each, so the .vsix needs no node_modules.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const node = { define: { __VERSION__: JSON.stringify(version) }, platform: 'node', target: 'node20', format: 'cjs', bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'], ...node },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js', ...node },
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', external: ['webgpu'], ...node },
  // The runner is its own process; 'webgpu' ships a native addon, so it stays a runtime require.
  { entryPoints: ['runner/src/main.ts'], outfile: 'dist/runner.js', external: ['webgpu'], ...node },
  { entryPoints: ['media/src/layerTable.ts'], outfile: 'dist/media/layerTable.js', platform: 'browser', format: 'iife', bundle: true, target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning' },
  { entryPoints: ['media/src/graph.ts'], outfile: 'dist/media/graph.js', platform: 'browser', format: 'iife', bundle: true, target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning' },
  { entryPoints: ['media/src/train.ts'], outfile: 'dist/media/train.js', platform: 'browser', format: 'iife', bundle: true, target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning' },
  { entryPoints: ['media/src/compare.ts'], outfile: 'dist/media/compare.js', platform: 'browser', format: 'iife', bundle: true, target: 'es2022', sourcemap: !production, minify: production, logLevel: 'warning' },
];

mkdirSync('dist', { recursive: true });
await Promise.all(entries.filter((e) => existsSync(e.entryPoints[0])).map((e) => build(e)));
// The cpu backend's native kernels (skipped, with a message, without a C compiler or OpenBLAS).
await import('./build-native.mjs');
