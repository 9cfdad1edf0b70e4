/** The command line's streams, captured: what a test of a `cnn` command passes as its io. */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';

export function capture() {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr, readFile: (p: string) => readFileSync(p, 'utf8') }, out: () => out, err: () => err };
}
