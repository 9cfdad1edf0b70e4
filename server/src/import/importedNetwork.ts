/**
 * What every importer produces: the source network as .cnn layers (before any text is written),
 * and the list of what the source holds that the language cannot say. The ONNX and Caffe readers
 * fill it in; writeCnn (cnnWriter.ts) turns it into a formatted file.
 */
import type { Activation, LayerKind } from '../language/network';

/** The layer kinds an import writes (every kind of the language); `softmax` is decided by the writer for the last fc. */
export type ImportedKind = LayerKind;

export interface ImportedLayer {
  /** Full name, already valid for the language (dots separate the source's module path). */
  name: string;
  kind: ImportedKind;
  /** Filters, units or classes. */
  count?: number;
  kernel?: [number, number];
  stride?: [number, number];
  pad?: [number, number];
  groups?: number;
  round?: 'ceil';
  act: Activation;
  /** conv, fc and softmax: whether the source has a bias. */
  bias?: boolean;
  rate?: number;
  size?: number;
  /** Full names of the layers it reads, or `input`. */
  inputs: string[];
}

/** Something in the source that the .cnn file cannot say: `name` is the source's node or layer name. */
export interface ImportProblem {
  name: string;
  /** The source's operator or layer type. */
  op: string;
  reason: string;
}

export interface ImportedNetwork {
  name: string;
  /** H, W, C. */
  input: [number, number, number];
  layers: ImportedLayer[];
  /** The source's trainable parameters as the importer counted them from its tensors, when it has them. */
  sourceParams?: number;
  /** Where it came from, for the file's first comment ("ONNX opset 13", "Caffe prototxt"). */
  source: string;
}

export interface ImportResult {
  /** The formatted .cnn text; absent when anything was refused. */
  text?: string;
  /** Operators or layers that cannot be expressed, each with its name and why. */
  refused: ImportProblem[];
  /** Things kept only approximately (an LRN's constants, a batchnorm's epsilon): written as comments too. */
  notes: ImportProblem[];
  /** The imported file's trainable parameters, as its table counts them. */
  params?: number;
}

/** What is wrong with a source file as a whole (not ONNX, truncated, no input shape). */
export class ImportError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Words a label cannot be without confusing the parser or the wiring. */
const RESERVED = new Set(['in', 'input', 'network', 'defaults', 'train', 'block', 'end', 'from', 'repeat']);

/** The source's name made a valid NAME: other characters become `_`, and it starts with a letter or `_`. */
export function validName(raw: string, fallback: string): string {
  let name = raw.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]+/, '').replace(/[.]+$/, '').replace(/\.{2,}/g, '.');
  if (!name) name = fallback;
  if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
  if (RESERVED.has(name)) name = `${name}_`;
  return NAME.test(name) ? name : fallback;
}

/** Hands out names, each once: a second `relu` becomes `relu_1`. */
export class NameRegistry {
  private readonly taken = new Set<string>();

  claim(raw: string, fallback: string): string {
    const base = validName(raw, fallback);
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }
}

/** Kinds whose `act` key the language takes. */
export const TAKES_ACT = new Set<ImportedKind>(['conv', 'fc', 'batchnorm', 'add', 'concat']);

/** Notes that say the same thing of many layers as one: "a, b, c and 54 more". */
export function summariseNotes(notes: ImportProblem[]): ImportProblem[] {
  const groups = new Map<string, ImportProblem[]>();
  for (const n of notes) {
    const key = `${n.op}\u0000${n.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.values()].map((group) => {
    const shown = group.slice(0, 3).map((n) => n.name).join(', ');
    const name = group.length > 3 ? `${shown} and ${group.length - 3} more` : shown;
    return { name, op: group[0].op, reason: group[0].reason };
  });
}
