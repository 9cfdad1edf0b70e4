/**
 * Names as a `.cnn` file sees them: which scope a line is in (the top level, or the body of a
 * block), every layer statement's local name in its scope, and what a name in `from=` stands for.
 * Go to definition, references, rename, completion, hover and the projection fix share this.
 */
import type { Analysis, BlockDefinition, LayerAnalysis } from './analyze';
import { kindSpec } from './layerKinds';
import type { BlockStatement, NameRef, Position, Span } from './syntax';

/** The lines of one block definition: its header, its body, and its `end` (absent when unclosed). */
export interface Region {
  header: BlockStatement;
  /** Absent only where analysis kept no definition (a block without a name). */
  block?: BlockDefinition;
  /** Header line. */
  start: number;
  /** The `end` line, or the last line the block runs to when it has none. */
  end: number;
  endSpan?: Span;
}

/** What a name in `from=` stands for: a layer or block use, or the scope's input (`in`, `input`). */
export type Target = { type: 'layer'; entry: LayerAnalysis } | { type: 'input'; region?: Region };

/** A run of a written name that stands for one statement: `u` and `a` in `u.a`. */
export interface Segment {
  span: Span;
  entry: LayerAnalysis;
}

export interface Resolved {
  target: Target;
  /** The parts of the written name that name statements, outermost first (empty for `in`/`input`). */
  segments: Segment[];
}

/** A scope is the top level (undefined) or a block's header. */
type ScopeKey = BlockStatement | undefined;

const MAX_DEPTH = 32;

export class Scopes {
  readonly regions: Region[] = [];
  private readonly localNames = new Map<LayerAnalysis, string>();
  private readonly members = new Map<ScopeKey, LayerAnalysis[]>();
  /** The first statement of each name in a scope: the one a name refers to (a second is an error). */
  private readonly first = new Map<ScopeKey, Map<string, LayerAnalysis>>();
  private readonly entryAtLine = new Map<number, LayerAnalysis>();
  private readonly blocksByName = new Map<string, BlockDefinition>();

  constructor(readonly analysis: Analysis) {
    const definitions = new Map<BlockStatement, BlockDefinition>();
    for (const block of analysis.blocks) {
      definitions.set(block.statement, block);
      if (!this.blocksByName.has(block.name)) this.blocksByName.set(block.name, block);
    }
    for (const entry of analysis.layers) if (entry.definedIn) definitions.set(entry.definedIn.statement, entry.definedIn);

    let open: Region | undefined;
    const lastLine = analysis.document.lines.length - 1;
    for (const statement of analysis.document.statements) {
      if (statement.type === 'block') {
        if (open) open.end = statement.span.line - 1;
        open = { header: statement, block: definitions.get(statement), start: statement.span.line, end: lastLine };
        this.regions.push(open);
      } else if (statement.type === 'end' && open) {
        open.end = statement.span.line;
        open.endSpan = statement.span;
        open = undefined;
      }
    }

    const counters = new Map<ScopeKey, Map<string, number>>();
    for (const entry of analysis.layers) {
      const key = entry.definedIn?.statement;
      this.entryAtLine.set(entry.statement.span.line, entry);
      let counts = counters.get(key);
      if (!counts) counters.set(key, (counts = new Map()));
      // As analysis names them: the label, or `<kind><k>` counting every statement of that kind.
      const counter = kindSpec(entry.statement.kind)?.kind ?? entry.statement.kind;
      const k = (counts.get(counter) ?? 0) + 1;
      counts.set(counter, k);
      const name = entry.statement.label ?? `${counter}${k}`;
      this.localNames.set(entry, name);
      let list = this.members.get(key);
      if (!list) this.members.set(key, (list = []));
      list.push(entry);
      let names = this.first.get(key);
      if (!names) this.first.set(key, (names = new Map()));
      if (!names.has(name)) names.set(name, entry);
    }
  }

  /** The layer statement on a line. */
  entryAt(line: number): LayerAnalysis | undefined {
    return this.entryAtLine.get(line);
  }

  nameOf(entry: LayerAnalysis): string {
    return this.localNames.get(entry) ?? entry.name;
  }

  /** The block whose body holds a line (header and `end` lines excluded). */
  regionOfBody(line: number): Region | undefined {
    return this.regions.find((r) => line > r.start && (r.endSpan ? line < r.end : line <= r.end));
  }

  regionOf(block: BlockDefinition): Region | undefined {
    return this.regions.find((r) => r.header === block.statement);
  }

  blockNamed(name: string): BlockDefinition | undefined {
    return this.blocksByName.get(name);
  }

  /** The statements of a scope, in file order. */
  membersOf(block: BlockDefinition | undefined): LayerAnalysis[] {
    return this.members.get(block?.statement) ?? [];
  }

  /** `in` inside a block, `input` at top level. */
  entryWord(block: BlockDefinition | undefined): 'in' | 'input' {
    return block ? 'in' : 'input';
  }

  /** Names a line in this scope may read: those defined above it, first of each name. */
  visibleAt(block: BlockDefinition | undefined, line: number): { name: string; entry: LayerAnalysis }[] {
    const names = this.first.get(block?.statement);
    if (!names) return [];
    return [...names].filter(([, e]) => e.statement.span.line < line).map(([name, entry]) => ({ name, entry }));
  }

  /** The names a `from=` on this entry's line holds. */
  fromRefs(entry: LayerAnalysis): NameRef[] {
    const refs: NameRef[] = [];
    for (const pair of entry.statement.pairs) {
      if (pair.key !== 'from' || !pair.value) continue;
      if (pair.value.type === 'names') refs.push(...pair.value.names);
      else if (pair.value.type === 'name') refs.push({ name: pair.value.name, span: pair.value.span });
    }
    return refs;
  }

  /** What a name read on `line` of a scope stands for; undefined when it names nothing above. */
  resolve(block: BlockDefinition | undefined, line: number, ref: NameRef): Resolved | undefined {
    if (ref.name === this.entryWord(block)) return { target: { type: 'input', region: block && this.regionOf(block) }, segments: [] };
    return this.resolveIn(block, line, ref.name, ref.span, 0);
  }

  private resolveIn(block: BlockDefinition | undefined, line: number, name: string, span: Span, depth: number): Resolved | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const names = this.first.get(block?.statement);
    const local = names?.get(name);
    if (local && local.statement.span.line < line) return { target: { type: 'layer', entry: local }, segments: [{ span, entry: local }] };
    // A full name into an instance (`u.a`, `layer1.0.conv1`): the longest prefix that names a use.
    for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
      const use = names?.get(name.slice(0, dot));
      if (!use || use.statement.span.line >= line) continue;
      const inside = this.blockNamed(use.statement.kind);
      if (!inside || inside === block) continue;
      const head: Segment = { span: { line: span.line, start: span.start, end: span.start + dot }, entry: use };
      let rest = name.slice(dot + 1);
      let offset = span.start + dot + 1;
      if (use.statement.pairs.some((p) => p.key === 'repeat')) {
        // Copies are `layer1.0`, `layer1.1`, …: a copy is the use itself.
        const copy = /^\d+(?:\.|$)/.exec(rest);
        if (!copy) continue;
        if (copy[0] === rest) return { target: { type: 'layer', entry: use }, segments: [head] };
        rest = rest.slice(copy[0].length);
        offset += copy[0].length;
      }
      const found = this.resolveIn(inside, Number.POSITIVE_INFINITY, rest, { line: span.line, start: offset, end: offset + rest.length }, depth + 1);
      if (found) return { target: found.target, segments: [head, ...found.segments] };
    }
    return undefined;
  }

  /** Every mention of a statement's name: in `from=` of its scope, and inside full names elsewhere. */
  mentions(target: LayerAnalysis): Span[] {
    const spans: Span[] = [];
    for (const entry of this.analysis.layers) {
      for (const ref of this.fromRefs(entry)) {
        const resolved = this.resolve(entry.definedIn, entry.statement.span.line, ref);
        for (const segment of resolved?.segments ?? []) if (segment.entry === target) spans.push(segment.span);
      }
    }
    return spans;
  }

  /** What the cursor is on. */
  at(position: Position): Hit | undefined {
    const within = (span: Span | undefined) => span !== undefined && span.line === position.line && position.character >= span.start && position.character <= span.end;
    const entry = this.entryAt(position.line);
    if (entry) {
      const s = entry.statement;
      if (within(s.labelSpan)) return { type: 'label', entry };
      for (const ref of this.fromRefs(entry)) {
        if (!within(ref.span)) continue;
        const resolved = this.resolve(entry.definedIn, s.span.line, ref);
        const segment = resolved?.segments.find((g) => within(g.span));
        return { type: 'ref', entry, ref, resolved, segment };
      }
      const block = this.blockNamed(s.kind);
      if (within(s.keywordSpan) && block && !kindSpec(s.kind)) return { type: 'block-use', entry, block };
      return undefined;
    }
    const region = this.regions.find((r) => r.start === position.line);
    if (region && within(region.header.nameSpan) && region.block) return { type: 'block-header', region, block: region.block };
    return undefined;
  }
}

export type Hit =
  | { type: 'label'; entry: LayerAnalysis }
  /** A name in `from=`; `segment` is the part under the cursor that names a statement. */
  | { type: 'ref'; entry: LayerAnalysis; ref: NameRef; resolved?: Resolved; segment?: Segment }
  | { type: 'block-use'; entry: LayerAnalysis; block: BlockDefinition }
  | { type: 'block-header'; region: Region; block: BlockDefinition };

/** One Scopes per analysis: features asked in turn about one version of a file share it. */
const cache = new WeakMap<Analysis, Scopes>();

export function scopesOf(analysis: Analysis): Scopes {
  let scopes = cache.get(analysis);
  if (!scopes) cache.set(analysis, (scopes = new Scopes(analysis)));
  return scopes;
}
