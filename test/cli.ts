/** Runs the `cnn` command line in this process, as a user would call it, and collects what it says. */
import { main } from '../server/src/cli';
import { capture } from './capture';

/** `env` is set for the call only (e.g. CNN_MEMORY_LIMIT_MB). */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const streams = capture();
    const code = await main(args, streams.io);
    return { code, stdout: streams.out(), stderr: streams.err() };
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}
