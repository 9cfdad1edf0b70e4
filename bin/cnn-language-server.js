#!/usr/bin/env node
// The language server over stdio (or --node-ipc, --socket=N). It runs with a larger V8 young
// generation (see client/src/extension.ts for why); started without it, it starts itself again.
const FLAG = '--max-semi-space-size=64';
if (process.execArgv.includes(FLAG)) {
  require('../dist/server.js');
} else {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [FLAG, require.resolve('../dist/server.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}
