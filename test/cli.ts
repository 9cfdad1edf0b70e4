/** Runs the `cnn` command line in this process, as a user would call it, and collects what it says. */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { main } from '../server/src/cli';

/** `env` is set for the call only (e.g. CNN_MEMORY_LIMIT_MB). */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const out = new PassThrough(), err = new PassThrough();
    const o: Buffer[] = [], e: Buffer[] = [];
    out.on('data', (c: Buffer) => o.push(c));
    err.on('data', (c: Buffer) => e.push(c));
    const code = await main(args, { stdout: out, stderr: err, readFile: (p) => readFileSync(p, 'utf8') });
    return { code, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') };
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}
