/**
 * `cnn diff A.cnn B.cnn`: the semantic diff of two files (networkDiff.ts) as text, Markdown or JSON.
 * Exit codes as the other commands: 0, 1 when a file has an error (the diff is still printed), 2 usage.
 */
import { formatCheckLine } from './language/checkReport';
import type { Analysis } from './language/analyze';
import { DIFF_FORMATS, diffNetworks, renderDiff, type DiffFormat } from './language/networkDiff';
import { NUMBER_SETTINGS } from './language/trainSchema';

export const DIFF_HELP = `usage: cnn diff A.cnn B.cnn [--format text|markdown|json] [--batch N]

Lists the layers of B added to A, removed from A and changed (matched by full name, then in
order where the kinds agree), each with its output shape and its parameter, forward MAC and
training-memory deltas (B − A), and the totals of both with their deltas.

  --format F    text (default), markdown, or json
  --batch N     the batch size memory is worked out at (default: B's train batch, else A's, else ${NUMBER_SETTINGS.batch.default})

Exit codes: 0 no error, 1 a file has an error, 2 usage or I/O error.`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Reads a flag's value: the value, or a usage message. */
export function batchOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = NUMBER_SETTINGS.batch;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= s.min && n <= s.max)) throw new RangeError(`--batch takes a whole number from ${s.min} to ${s.max}, not '${text}'`);
  return n;
}

export function diffCommand(files: [string, string], format: string, batch: number | undefined, analyse: (file: string) => Analysis, io: Io): number {
  if (!DIFF_FORMATS.includes(format as DiffFormat)) throw new RangeError(`unknown format '${format}' (text, markdown, json)`);
  const [a, b] = files.map(analyse);
  let failed = false;
  files.forEach((file, k) => {
    for (const d of [a, b][k].diagnostics) if (d.severity === 'error') { io.stderr.write(formatCheckLine(file, d) + '\n'); failed = true; }
  });
  io.stdout.write(renderDiff(diffNetworks(a.network, b.network, { batch, labels: files }), format as DiffFormat));
  return failed ? 1 : 0;
}
