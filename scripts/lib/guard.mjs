// node guard.mjs OWNER_PID COMMAND [ARGS...]
// Runs COMMAND as the leader of its own process group (the caller spawns this file detached) and
// ends the whole group when OWNER_PID goes away, even if the owner was killed without cleaning up
// (SIGKILL, a crashed test runner). So code-server and everything it starts (extension host,
// language server) never outlive `npm start` or a test run. In that case it also removes the
// throwaway profile folder named by CNN_GUARD_PROFILE (a cnn-code-server-* folder), which the owner
// would have removed.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';

const [ownerArg, cmd, ...args] = process.argv.slice(2);
const owner = Number(ownerArg);
if (!Number.isInteger(owner) || !cmd) {
  console.error('usage: node guard.mjs OWNER_PID COMMAND [ARGS...]');
  process.exit(2);
}

// Once the owner is gone, so is the other end of our stdout/stderr: never die of EPIPE.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const child = spawn(cmd, args, { stdio: 'inherit' });
const killGroup = (signal) => {
  try { process.kill(-process.pid, signal); } catch {}
};
let ending = false;
let ownerGone = false;
const profile = process.env.CNN_GUARD_PROFILE;
const end = (why) => {
  if (ending) return;
  ending = true;
  if (why) console.error(`[guard] ${why}: stopping code-server`);
  child.kill('SIGTERM');
  setTimeout(() => killGroup('SIGKILL'), 4000).unref();
};

child.on('error', (e) => { console.error(`[guard] cannot start ${cmd}: ${e.message}`); process.exit(1); });
child.on('exit', (code, signal) => {
  if (ownerGone) {
    if (profile && basename(profile).startsWith('cnn-code-server-')) {
      try { rmSync(profile, { recursive: true, force: true }); } catch {}
    }
    killGroup('SIGKILL'); // whatever code-server left behind, and this guard with it
  }
  process.exit(code ?? (signal ? 1 : 0));
});
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => end());
setInterval(() => {
  try { process.kill(owner, 0); } catch (e) { if (e.code === 'ESRCH') { ownerGone = true; end(`owner process ${owner} is gone`); } }
}, 1000);
