/** `cnn import`: an ONNX model or a Caffe prototxt written as a formatted .cnn file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeProblems, ImportError, importModel } from './import/importModel';

export const IMPORT_HELP = `usage: cnn import MODEL.onnx|deploy.prototxt [-o NET.cnn] [--force]

Writes the network of an ONNX model or a Caffe network description (the \`layer\` and the
old \`layers\` syntax) as a formatted .cnn file, keeping the source's names, with blocks where
its structure repeats. An operator or layer the language cannot express is listed with its
name and why, and nothing is written. See docs/import.md for what maps to what.

  -o FILE    where to write (default: beside the source, with .cnn for its extension;
             - prints it)
  --force    overwrite FILE if it exists

Exit codes: 0 written, 1 the model holds something the language cannot express,
2 usage error, or the file cannot be read or is no model.`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The default .cnn path: beside the source, the extension replaced. */
export function importTarget(source: string): string {
  return join(dirname(source), basename(source).replace(/\.[^.]*$/, '') + '.cnn');
}

/** Returns the exit code; `usage` reports a usage error the way the other commands do. */
export function importCommand(args: string[], io: Io, usage: (message: string) => never): number {
  const rest = [...args];
  let output: string | undefined;
  const at = rest.indexOf('-o') >= 0 ? rest.indexOf('-o') : rest.indexOf('--output');
  if (at >= 0) {
    output = rest[at + 1];
    if (output === undefined || (output.startsWith('-') && output !== '-')) usage(`${rest[at]} needs a file`);
    rest.splice(at, 2);
  }
  const force = rest.includes('--force');
  const files = rest.filter((a) => a !== '--force');
  const unknown = files.find((a) => a.startsWith('-'));
  if (unknown) usage(`unknown option ${unknown}`);
  if (files.length !== 1) usage('cnn import takes one MODEL file: cnn import model.onnx [-o net.cnn]');
  const source = files[0];
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(`cnn: cannot read ${source}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}\n`);
    return 2;
  }
  let result;
  try {
    result = importModel(bytes, basename(source));
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    io.stderr.write(`cnn: cannot import ${source}: ${error.message}\n`);
    return 2;
  }
  for (const line of describeProblems(result.notes)) io.stderr.write(`note: ${line}\n`);
  if (!result.text) {
    const n = result.refused.length;
    io.stderr.write(`cnn: cannot import ${source}: ${n === 1 ? 'one operator' : `${n} operators`} the .cnn language cannot express:\n`);
    for (const line of describeProblems(result.refused)) io.stderr.write(`  ${line}\n`);
    return 1;
  }
  if (output === '-') {
    io.stdout.write(result.text);
    return 0;
  }
  const target = output ?? importTarget(source);
  if (existsSync(target) && !force) {
    io.stderr.write(`cnn: ${target} exists; use --force to overwrite it, or -o to write elsewhere\n`);
    return 2;
  }
  try {
    writeFileSync(target, result.text);
  } catch (error) {
    io.stderr.write(`cnn: cannot write ${target}: ${(error as Error).message}\n`);
    return 2;
  }
  io.stdout.write(`wrote ${target}: ${result.params?.toLocaleString('en-US')} parameters\n`);
  return 0;
}
