/**
 * A `cnn` subcommand with --json run through dist/cli.js in a process of its own (the extension
 * host never computes), its one JSON answer parsed; on failure, what the command said on stderr.
 */
import { execFile } from 'node:child_process';

export function runCliJson<T>(cliPath: string, command: string, args: string[], execPath = process.execPath, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(execPath, [cliPath, command, ...args, '--json'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 16 << 20, timeout: timeoutMs, windowsHide: true,
    }, (error, stdout, stderr) => {
      if (error) {
        const prefix = new RegExp(`^cnn( ${command})?: `);
        const said = stderr.trim().split('\n').filter(Boolean).map((l) => l.replace(prefix, '')).join('; ');
        reject(new Error(said || error.message));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`cnn ${command} gave no answer: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
