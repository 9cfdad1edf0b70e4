/**
 * One entry for every source format: the file's bytes and base name in, the .cnn text or the
 * reasons it cannot be written out. The command line and VS Code both call this.
 */
import { importCaffe } from './caffeImport';
import { ImportError, type ImportProblem, type ImportResult } from './importedNetwork';
import { importOnnx } from './onnxImport';

export { ImportError };

/** The formats `cnn import` reads, by file name: ONNX (`.onnx`) and Caffe (`.prototxt`, `.pbtxt`). */
export function sourceFormat(fileName: string, bytes: Uint8Array): 'onnx' | 'caffe' {
  if (/\.onnx$/i.test(fileName)) return 'onnx';
  if (/\.(prototxt|pbtxt|pt)$/i.test(fileName)) return 'caffe';
  // Otherwise by content: a prototxt is text, an ONNX file is binary protobuf (control bytes early on).
  const head = bytes.subarray(0, 512);
  return head.some((b) => b < 9 || (b > 13 && b < 32)) ? 'onnx' : 'caffe';
}

/** Throws ImportError when the file as a whole cannot be read (garbage, truncated, no input shape). */
export function importModel(bytes: Uint8Array, fileName: string): ImportResult {
  if (/\.caffemodel$/i.test(fileName)) throw new ImportError("a .caffemodel holds Caffe's trained weights; import the deploy.prototxt that describes its network");
  if (sourceFormat(fileName, bytes) === 'onnx') return importOnnx(bytes, fileName);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportError('not a prototxt: the file is not UTF-8 text');
  }
  return importCaffe(text, fileName);
}

/** One line per problem: `NAME (OPERATOR): why`. */
export function describeProblems(problems: ImportProblem[]): string[] {
  return problems.map((p) => `${p.name} (${p.op}): ${p.reason}`);
}
