/**
 * The export formats as the user chooses them: `cnn export --to NAME` and the quick pick of
 * "CNN: Export model…". Kept free of the writers (exportCommand.ts pairs each with one) so the
 * extension host can list them without loading any of them.
 */
import { basename, dirname, extname, join } from 'node:path';

export interface ExportFormatInfo {
  /** The value of --to. */
  name: string;
  /** What the quick pick shows. */
  label: string;
  /** One line of --help and the quick pick's description. */
  summary: string;
  /** Whether the output is one file (with this extension) or a folder. */
  output: { kind: 'file'; extension: string } | { kind: 'folder' };
}

export const EXPORT_FORMAT_INFO: readonly ExportFormatInfo[] = [
  {
    name: 'onnx',
    label: 'ONNX',
    summary: 'a model for ONNX Runtime and Netron: float32, N×C×H×W in, class probabilities out',
    output: { kind: 'file', extension: 'onnx' },
  },
  {
    name: 'pytorch',
    label: 'PyTorch',
    summary: 'a folder: model.py (modules named as the layers), train.py (one process or torchrun), the weights',
    output: { kind: 'folder' },
  },
];

/** Where the export goes unless told: beside the .cnn file, named after it (`net.onnx`, or a folder `net-NAME`). */
export function defaultExportPath(file: string, format: ExportFormatInfo): string {
  const stem = join(dirname(file), basename(file, extname(file)));
  return format.output.kind === 'file' ? `${stem}.${format.output.extension}` : `${stem}-${format.name}`;
}
