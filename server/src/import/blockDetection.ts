/**
 * Turning imported layers into .cnn lines, with blocks where the source's structure repeats.
 *
 * The repeated structure is found in the source's own module hierarchy, which ONNX files from
 * PyTorch carry in their names (`layer1.0.conv1`): every dotted prefix is a module. A module whose
 * layers are contiguous, read one outside value and are read from outside only through their
 * last layer can be a block instance; modules whose lines are alike but for their numbers share
 * one block, the numbers that differ becoming its parameters. Consecutive instances named
 * `P.0 ... P.<n-1>` with the same arguments, each reading the one before, become `repeat=n`.
 * The full names stay the source's, so the table's names are the source's too.
 */
import type { ImportedLayer } from './importedNetwork';
import { validName } from './importedNetwork';

export interface CnnLine {
  label: string;
  kind: string;
  count?: string;
  pairs: [string, string][];
}

export interface CnnBlock {
  name: string;
  params: string[];
  body: CnnLine[];
}

export interface CnnProgram {
  blocks: CnnBlock[];
  lines: CnnLine[];
}

type Value = number | string;

/** `omit` of a pool's stride: the kernel as written on the same line. */
const KERNEL = '\u0000kernel';

/** One key of a line; `slot` values may become a block parameter. `count` is the COUNT. */
interface Field {
  key: string;
  value: Value;
  slot: boolean;
  /** Left out when the value written is this (a stride of 1, a pad of 0): kept in the signature so `s=2` and no `s` can share a block. */
  omit?: string;
}

function size(pair: [number, number]): Value {
  return pair[0] === pair[1] ? pair[0] : `${pair[0]}x${pair[1]}`;
}

/** The layer's keys as the file writes them, defaults left out. */
function layerFields(layer: ImportedLayer, biasDefault: boolean): Field[] {
  const fields: Field[] = [];
  const add = (key: string, value: Value, omit?: string) =>
    fields.push({ key, value, slot: typeof value === 'number' && Number.isInteger(value) && key !== 'rate', omit });
  if (layer.count !== undefined) add('count', layer.count);
  if (layer.kernel) add('f', size(layer.kernel));
  const pool = layer.kind === 'maxpool' || layer.kind === 'avgpool';
  // A pool's stride defaults to its kernel, written just before it.
  if (layer.stride) add('s', size(layer.stride), pool ? KERNEL : '1');
  if (layer.pad) add('p', size(layer.pad), '0');
  if (layer.groups) add('groups', layer.groups, '1');
  if (layer.round) add('round', layer.round);
  if (layer.size !== undefined && layer.size !== 5) add('size', layer.size);
  if (layer.rate !== undefined && layer.rate !== 0.5) add('rate', layer.rate);
  if (layer.act !== 'none' && layer.kind !== 'softmax') add('act', layer.act);
  if (layer.bias !== undefined && layer.bias !== biasDefault) add('bias', String(layer.bias));
  return fields;
}

interface Module {
  path: string;
  start: number;
  /** Exclusive. */
  end: number;
  height: number;
}

/** A line of a scope before it is written: a layer, or the use of a block (an instance). */
interface Item {
  label: string;
  /** Layer kind or block name. */
  kind: string;
  fields: Field[];
  /** Labels in this scope, `in` or `input`. */
  reads: string[];
  /** The full name of the layer whose output this item is. */
  output: string;
  isUse: boolean;
}

interface Instance {
  module: Module;
  block: Block;
  args: Value[];
}

interface Block {
  name: string;
  params: string[];
  body: CnnLine[];
}

export function detectBlocks(layers: ImportedLayer[], biasDefault: boolean): CnnProgram {
  const index = new Map(layers.map((l, i) => [l.name, i]));
  const readers = new Map<number, number[]>();
  layers.forEach((l, i) =>
    l.inputs.forEach((r) => {
      const at = index.get(r);
      if (at === undefined) return;
      const list = readers.get(at);
      if (list) list.push(i);
      else readers.set(at, [i]);
    }),
  );

  // Every dotted prefix of a name is a module; only contiguous ones can become instances.
  const spans = new Map<string, number[]>();
  layers.forEach((l, i) => {
    const parts = l.name.split('.');
    for (let k = 1; k < parts.length; k++) {
      const path = parts.slice(0, k).join('.');
      const list = spans.get(path);
      if (list) list.push(i);
      else spans.set(path, [i]);
    }
  });
  const modules: Module[] = [];
  for (const [path, at] of spans) {
    const start = at[0];
    const end = at[at.length - 1] + 1;
    if (end - start !== at.length || at.length < 2) continue;
    modules.push({ path, start, end, height: 0 });
  }
  const inside = (inner: Module, outer: Module) => inner !== outer && inner.path.startsWith(outer.path + '.');
  for (const m of [...modules].sort((a, b) => b.path.split('.').length - a.path.split('.').length)) {
    for (const c of modules) if (inside(c, m)) m.height = Math.max(m.height, c.height + 1);
  }

  const chosen = new Map<Module, Instance>();

  /** The lines of a scope (a module, or the whole network), with the instances chosen so far. */
  function items(scope: Module | undefined): Item[] | undefined {
    const prefix = scope ? scope.path + '.' : '';
    const start = scope?.start ?? 0;
    const end = scope?.end ?? layers.length;
    const list: Item[] = [];
    const labelOf = new Map<string, string>();
    const external = new Set<string>();
    const resolve = (name: string): string => {
      const at = index.get(name);
      if (at === undefined || at < start || at >= end) {
        external.add(name);
        return scope ? 'in' : 'input';
      }
      return labelOf.get(name) ?? '?';
    };
    for (let i = start; i < end; ) {
      const use = [...chosen.keys()]
        .filter((m) => m.start === i && (!scope || inside(m, scope)))
        .sort((a, b) => a.path.length - b.path.length)[0];
      if (use) {
        const instance = chosen.get(use)!;
        const label = use.path.slice(prefix.length);
        const reads = [...new Set(layers.slice(use.start, use.end).flatMap((l) => l.inputs.filter((r) => {
          const at = index.get(r);
          return at === undefined || at < use.start || at >= use.end;
        })))].map(resolve);
        const output = layers[use.end - 1].name;
        list.push({ label, kind: instance.block.name, fields: instance.args.map((value) => ({ key: 'arg', value, slot: true })), reads, output, isUse: true });
        labelOf.set(output, label);
        i = use.end;
        continue;
      }
      const layer = layers[i];
      const label = layer.name.slice(prefix.length);
      list.push({ label, kind: layer.kind, fields: layerFields(layer, biasDefault), reads: layer.inputs.map(resolve), output: layer.name, isUse: false });
      labelOf.set(layer.name, label);
      i++;
    }
    if (scope) {
      if (external.size !== 1) return undefined;
      if (list.some((it) => validName(it.label, '') !== it.label)) return undefined;
      // Read from outside only through its output.
      for (let i = scope.start; i < scope.end - 1; i++) {
        if ((readers.get(i) ?? []).some((r) => r < scope.start || r >= scope.end)) return undefined;
      }
    }
    return list;
  }

  const signature = (list: Item[]) =>
    list.map((it) => `${it.label}:${it.isUse ? 'use ' : ''}${it.kind}:${it.fields.map((f) => `${f.key}=${f.slot ? '#' : f.value}`).join(',')}:${it.reads.join(',')}`).join('\n');
  const slots = (list: Item[]) => list.flatMap((it) => it.fields.filter((f) => f.slot).map((f) => ({ key: it.isUse ? 'arg' : f.key, value: f.value })));

  const blockNames = new Set<string>(layers.map((l) => l.name));
  const blocks: Block[] = [];
  const maxHeight = Math.max(-1, ...modules.map((m) => m.height));
  for (let h = 0; h <= maxHeight; h++) {
    const groups = new Map<string, { module: Module; list: Item[] }[]>();
    for (const m of modules.filter((x) => x.height === h)) {
      const list = items(m);
      if (!list) continue;
      const key = signature(list);
      groups.set(key, [...(groups.get(key) ?? []), { module: m, list }]);
    }
    for (const group of groups.values()) {
      // Only what repeats is a block; and not two instances of which one holds the other.
      if (group.length < 2) continue;
      const block = makeBlock(group.map((g) => g.list), group.map((g) => g.module.path), blockNames);
      blocks.push(block.block);
      group.forEach((g, k) => chosen.set(g.module, { module: g.module, block: block.block, args: block.args[k] }));
    }
  }

  const top = items(undefined)!;
  return {
    blocks: blocks.map((b) => ({ name: b.name, params: b.params, body: b.body })),
    lines: toLines(mergeRepeats(top), 'input'),
  };
}

const KIND_WORDS = new Set(['conv', 'maxpool', 'avgpool', 'globalavgpool', 'fc', 'dense', 'softmax', 'dropout', 'lrn', 'batchnorm', 'add', 'concat']);
const PARAM_NAMES: Record<string, string> = { count: 'width', f: 'kernel', s: 'stride', p: 'pad', groups: 'groups', size: 'size', arg: 'width' };

/** A block from instances whose lines are alike but for their numbers: each number that differs is a parameter. */
function makeBlock(lists: Item[][], paths: string[], taken: Set<string>): { block: Block; args: Value[][] } {
  const perInstance = lists.map((list) => list.flatMap((it) => it.fields.filter((f) => f.slot).map((f) => ({ key: it.isUse ? 'arg' : f.key, value: f.value }))));
  const params: { name: string; values: Value[] }[] = [];
  const written: string[] = perInstance[0].map((slot, s) => {
    const values = perInstance.map((p) => p[s].value);
    if (values.every((v) => v === values[0])) return String(values[0]);
    const same = params.find((p) => p.values.every((v, k) => v === values[k]));
    if (same) return same.name;
    for (const p of params) {
      const factor = Number(values[0]) / Number(p.values[0]);
      if (Number.isInteger(factor) && factor > 1 && p.values.every((v, k) => Number(v) * factor === values[k])) return `${p.name}*${factor}`;
    }
    const base = PARAM_NAMES[slot.key] ?? 'value';
    let name = base;
    for (let k = 2; params.some((p) => p.name === name); k++) name = `${base}${k}`;
    params.push({ name, values });
    return name;
  });
  let at = 0;
  const substituted = lists[0].map((it) => ({ ...it, fields: it.fields.map((f) => (f.slot ? { ...f, value: written[at++] } : f)) }));
  const body = toLines(mergeRepeats(substituted), 'in');
  // Named after what its instances are called: `layer1.0`, `layer2.1` make `layer`.
  const stems = paths.map((p) => {
    const parts = p.split('.');
    let stem = '';
    // `inception3a` and `inception4b` make `inception`.
    while (!stem && parts.length) stem = (parts.pop() ?? '').replace(/[\d._-]+[a-z]?$/, '').toLowerCase();
    return stem || 'block';
  });
  const counts = new Map<string, number>();
  for (const s of stems) counts.set(s, (counts.get(s) ?? 0) + 1);
  const stem = validName([...counts.entries()].sort((a, b) => b[1] - a[1])[0][0], 'block');
  const base = KIND_WORDS.has(stem) ? `${stem}_block` : stem;
  // A letter, not a number: `layer2` would read as the instance of that name.
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${String.fromCharCode(97 + (k % 26))}${k >= 26 ? Math.floor(k / 26) : ''}`;
  taken.add(name);
  return { block: { name, params: params.map((p) => p.name), body }, args: params.length ? perInstance.map((_, k) => params.map((p) => p.values[k])) : perInstance.map(() => []) };
}

/** `P.0 ... P.<n-1>`: consecutive uses of one block with the same arguments, each reading the last, become `P: block ... repeat=n`. */
function mergeRepeats(list: Item[]): Item[] {
  const out: Item[] = [];
  const renamed = new Map<string, string>();
  for (let i = 0; i < list.length; i++) {
    const first = list[i];
    const match = /^(.+)\.0$/.exec(first.label);
    if (first.isUse && match) {
      const base = match[1];
      let n = 1;
      while (
        i + n < list.length &&
        list[i + n].isUse &&
        list[i + n].label === `${base}.${n}` &&
        list[i + n].kind === first.kind &&
        list[i + n].reads.length === 1 &&
        list[i + n].reads[0] === list[i + n - 1].label &&
        list[i + n].fields.every((f, k) => f.value === first.fields[k].value)
      ) n++;
      const copies = new Set(Array.from({ length: n - 1 }, (_, k) => `${base}.${k}`));
      const clash = list.some((it) => it.label === base) || list.slice(i + n).some((it) => it.reads.some((r) => copies.has(r)));
      if (n >= 2 && !clash) {
        out.push({ ...first, label: base, fields: [...first.fields, { key: 'repeat', value: n, slot: false }] });
        renamed.set(`${base}.${n - 1}`, base);
        i += n - 1;
        continue;
      }
    }
    out.push(first);
  }
  return out.map((it) => ({ ...it, reads: it.reads.map((r) => renamed.get(r) ?? r) }));
}

/** Items as lines: `from=` only where an item reads something other than the line above. */
function toLines(list: Item[], first: string): CnnLine[] {
  let previous = first;
  return list.map((it) => {
    const line: CnnLine = { label: it.label, kind: it.kind, pairs: [] };
    const args: string[] = [];
    const kernel = it.fields.find((f) => f.key === 'f');
    for (const f of it.fields) {
      const omit = f.omit === KERNEL ? (kernel ? String(kernel.value) : undefined) : f.omit;
      if (omit !== undefined && String(f.value) === omit) continue;
      if (it.isUse && f.key === 'arg') args.push(String(f.value));
      else if (f.key === 'count') line.count = String(f.value);
      else line.pairs.push([f.key, String(f.value)]);
    }
    if (args.length) line.count = args.join(' ');
    const merge = it.kind === 'add' || it.kind === 'concat';
    if (merge || it.reads.length !== 1 || it.reads[0] !== previous) {
      // After the window keys, before act, bias and repeat.
      const after = line.pairs.findIndex(([k]) => k === 'act' || k === 'bias' || k === 'repeat');
      const from: [string, string] = ['from', it.reads.join(',')];
      if (after >= 0) line.pairs.splice(after, 0, from);
      else line.pairs.push(from);
    }
    previous = it.label;
    return line;
  });
}
