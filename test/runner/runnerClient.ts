/** Spawns the runner (from source, through tsx) and talks JSON-RPC to it, for the protocol tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface RunnerProcess {
  connection: MessageConnection;
  child: ChildProcess;
  notifications: { method: string; params: any }[];
  /** Resolves with the first notification of that method matching the predicate. */
  waitFor(method: string, predicate?: (params: any) => boolean, timeoutMs?: number): Promise<any>;
  stderr(): string;
  close(): Promise<void>;
}

/** The repository root: tests run from it (npm test) or below it. */
function findRepo(): string {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'runner', 'src', 'main.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error(`run the tests from the repository: no runner/src/main.ts above ${process.cwd()}`);
  }
}
export const repo = findRepo();

export function startRunner(env: Record<string, string> = {}): RunnerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'runner/src/main.ts')], {
    cwd: repo, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const notifications: { method: string; params: any }[] = [];
  const waiters: { method: string; predicate: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  connection.onNotification((method, params) => {
    notifications.push({ method, params });
    for (const w of [...waiters]) {
      if (w.method === method && w.predicate(params)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(params); }
    }
  });
  connection.listen();
  return {
    connection, child, notifications,
    waitFor(method, predicate = () => true, timeoutMs = 30000) {
      const seen = notifications.find((n) => n.method === method && predicate(n.params));
      if (seen) return Promise.resolve(seen.params);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms; got ${notifications.map((n) => `${n.method} ${JSON.stringify(n.params).slice(0, 300)}`).join(', ')}; stderr: ${err}`)), timeoutMs);
        waiters.push({ method, predicate, resolve: (p) => { clearTimeout(timer); resolve(p); } });
      });
    },
    stderr: () => err,
    async close() {
      connection.dispose();
      child.stdin!.end();
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.on('exit', resolve); setTimeout(() => { child.kill(); resolve(null); }, 3000); });
    },
  };
}
