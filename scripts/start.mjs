// npm start: the extension in a real VS Code, in your browser.
//
// 1. builds and packages the extension (`npm run package` → dist/cnn-spec.vsix);
// 2. installs code-server (VS Code in the browser) on first use, once per user and version, into
//    ~/.cache/cnn-spec/code-server-<version> ($XDG_CACHE_HOME/cnn-spec/... when that is set);
// 3. starts it on 127.0.0.1, on a free port, with a random password, a fresh profile, the .vsix
//    installed, examples/ open;
// 4. prints the URL that opens examples/alexnet-coursework.cnn and the password. Ctrl+C stops everything.
//
// code-server gives whoever signs in a terminal as you, and every user of this machine can reach
// 127.0.0.1: hence the password, new at every start, printed only here.
//
// Options: --port N (default: a free port the OS picks), --skip-package (use the dist/cnn-spec.vsix
// already built), --open-file PATH (relative to examples/), --help.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createServer } from 'node:net';
import {
  CACHE_DIR,
  MissingPrerequisite,
  ROOT,
  codeServerVersion,
  ensureCodeServer,
  freePort,
  startCodeServer,
} from './lib/code-server.mjs';

const VSIX = join(ROOT, 'dist', 'cnn-spec.vsix');
const EXAMPLES = join(ROOT, 'examples');

function usage(code) {
  console.log(`usage: npm start [-- --port N] [--skip-package] [--open-file FILE]

Builds and packages the extension, then opens it in VS Code in the browser (code-server ${codeServerVersion()},
installed into ${CACHE_DIR} on first use) with examples/ as the workspace,
behind a random password printed with the URL.
  --port N          listen on 127.0.0.1:N (default: a free port)
  --skip-package    do not rebuild; use dist/cnn-spec.vsix as it is
  --open-file FILE  the file to open, relative to examples/ (default alexnet-coursework.cnn)`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { port: undefined, skipPackage: false, openFile: 'alexnet-coursework.cnn' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') usage(0);
    else if (a === '--skip-package') opts.skipPackage = true;
    else if (a === '--port' || a === '--open-file') {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      if (a === '--port') {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--port: "${v}" is not a port number (1-65535)`);
        opts.port = n;
      } else opts.openFile = v;
    } else fail(`unknown option "${a}" (try --help)`);
  }
  return opts;
}

function fail(message, code = 1) {
  console.error(`npm start: ${message}`);
  process.exit(code);
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const opts = parseArgs(process.argv.slice(2));
const t0 = Date.now();
const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

// 1. The extension package.
if (!opts.skipPackage) {
  if (!existsSync(join(ROOT, 'client', 'src', 'extension.ts'))) {
    fail('the extension client (client/src/extension.ts) is not in this checkout yet, so there is no extension to package.\n' +
      'npm start runs `npm run package` to build dist/cnn-spec.vsix; try again once the client has landed.');
  }
  console.log('▶ packaging the extension (npm run package)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (r.error) fail(`could not run npm: ${r.error.message}`);
  if (r.status !== 0) fail(`\`npm run package\` failed (exit code ${r.status}); see its output above.`, r.status ?? 1);
}
if (!existsSync(VSIX)) fail(`${relative(process.cwd(), VSIX)} is missing: \`npm run package\` did not produce it${opts.skipPackage ? ' (drop --skip-package to build it)' : ''}.`);
const openFile = join(EXAMPLES, opts.openFile);
if (!existsSync(openFile)) fail(`--open-file: ${relative(process.cwd(), openFile)} does not exist`);

// 2. code-server, installed once per user and version.
try {
  await ensureCodeServer({ log: (l) => console.log(l) });
} catch (e) {
  if (e instanceof MissingPrerequisite) fail(`cannot install VS Code in the browser on this machine: ${e.message}`);
  fail(`installing code-server failed: ${e instanceof Error ? e.message : String(e)}`);
}

// 3. Start it.
let port = opts.port;
if (port === undefined) port = await freePort();
else if (!(await portFree(port))) fail(`port ${port} on 127.0.0.1 is in use; choose another with --port N`);

console.log(`▶ starting code-server ${codeServerVersion()} with the extension installed…`);
let server;
try {
  server = await startCodeServer({ folder: EXAMPLES, vsix: VSIX, port, log: () => {} });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n▶ ${signal}: stopping code-server…`);
  await server.stop();
  console.log('stopped.');
  process.exit(0);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void shutdown(sig));
server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`\ncode-server stopped by itself (${signal ?? `exit code ${code}`}). Its last output:\n${server.output().slice(-3000)}`);
  void server.stop().then(() => process.exit(1));
});

const url = server.workbenchUrl(EXAMPLES, openFile);
console.log(`
  VS Code with the CNN Spec extension is running (ready in ${secs()}):

    ${url}

  Password:  ${server.password}
  (new at every start: code-server gives whoever signs in a terminal as you)

  Workspace: ${relative(process.cwd(), EXAMPLES) || '.'}/  (edits are saved to your checkout)
  Plain URL: ${server.url}/?folder=${encodeURIComponent(EXAMPLES)}
  Listening on 127.0.0.1 only. Press Ctrl+C to stop.
`);
