/**
 * Syntax tree → Network: blocks expanded into full names, each layer's inputs, shapes, sizes,
 * counts and init, the totals, and every diagnostic with a stable code. Pure and total: any text
 * gives an answer. One pass in file order: a block is registered where it is defined (with the
 * defaults in force there) and expanded where it is used, so a use can only see what is above it.
 */
import { severityOf, type Code } from './diagnosticCodes';
import { evaluate } from './expressions';
import { canonicalKey, DEFAULTS_KEYS, describe, KEYS, KEY_ALIASES, TRAIN_KEYS, type KeyName } from './keys';
import { clip } from './quote';
import { kindSpec, KIND_WORDS, type KindSpec } from './layerKinds';
import { activationParams, convFans, denseFans, initStd, windowSize } from './layerMath';
import type {
  Activation,
  Init,
  Network,
  NetworkDiagnostic,
  NetworkInstance,
  UnresolvedLayer,
  NetworkLayer,
  Rounding,
  Severity,
  Shape,
  TrainSettings,
} from './network';
import { formatReal, formatShape } from './numbers';
import { parse } from './parser';
import { closest } from './suggest';
import { signalAnalysis } from './variance';
import {
  spanToRange,
  type BlockStatement,
  type CnnDocument,
  type DefaultsStatement,
  type InputStatement,
  type KeyValue,
  type LayerStatement,
  type NameRef,
  type NetworkStatement,
  type Range,
  type Span,
  type TrainStatement,
  type Value,
} from './syntax';
import { checkMemoryLimit } from './memoryLimit';

export interface Diagnostic {
  range: Range;
  severity: Severity;
  code: string;
  message: string;
  /** What a quick fix needs: the word to put in place of a misspelt one. */
  data?: { suggestion?: string };
}

export interface AnalyzeOptions {
  /** Overrides a code's severity; 'off' drops it. */
  severity?: Partial<Record<string, Severity | 'off'>>;
  /** Bytes training may use: beyond it, the `train` statement gets a `training-memory` warning (memoryLimit.ts). */
  memoryLimit?: number;
  /** The WebGPU adapter training would run on, when the trainer has said which: its one-buffer limit (memoryLimit.ts). */
  adapter?: TrainingAdapter;
}

/**
 * A WebGPU adapter's limit on one storage buffer, with the rule that sizes the trainer's largest
 * buffer: the runner's own (runner/src/memory.ts), passed in so this library stays free of it.
 */
export interface TrainingAdapter {
  /** The adapter in words, as the runner names it. */
  name: string;
  /** maxStorageBufferBindingSize, bytes. */
  maxBufferBytes: number;
  largestBuffer(network: Network, batch: number): { name: string; bytes: number };
}

/** A layer statement (a layer, or the use of a block) with what analysis made of it. */
export interface LayerAnalysis {
  statement: LayerStatement;
  spec?: KindSpec;
  /** The block this statement uses, when its kind word names one. */
  uses?: BlockDefinition;
  /** The block whose definition holds this statement. */
  definedIn?: BlockDefinition;
  /** Local name: the label, or `<kind><k>`. */
  name: string;
  /** The pair that set each key on this line, so fixes can edit it. */
  pairs: Partial<Record<KeyName, KeyValue>>;
  /** Absent when the layer could not be computed (an error on it or before it). In a block: the first instance's. */
  layer?: NetworkLayer;
  /** In a block definition: this line's layer in every instance, in order. */
  instances: NetworkLayer[];
  /** A block use: the instance it made (with `repeat`, the group holding the copies). */
  instance?: NetworkInstance;
}

export interface BlockDefinition {
  name: string;
  statement: BlockStatement;
  end?: Span;
  /** Its layer and defaults statements, in order. */
  body: (LayerStatement | DefaultsStatement)[];
  /** The defaults in force where it is defined. */
  defaults: LayerDefaults;
  /** Instances made of it, every depth. */
  instances: NetworkInstance[];
  /** Each instance's parameter values, parallel to `instances` (what a fix needs to write `s=stride`). */
  arguments: ReadonlyMap<string, BlockArgument>[];
}

export interface Analysis {
  document: CnnDocument;
  network: Network;
  diagnostics: Diagnostic[];
  /** Every layer statement, in file order (block bodies included), analysed or not. */
  layers: LayerAnalysis[];
  blocks: BlockDefinition[];
  networkStatement?: NetworkStatement;
  inputStatement?: InputStatement;
  trainStatement?: TrainStatement;
}

export { initStd, negativeSlope } from './layerMath';

export interface LayerDefaults {
  act: Activation;
  init: Init;
  bias: boolean;
}

/** `previous`: the analysis of the same document before an edit, whose unchanged lines are reused. */
export function analyzeText(text: string, options: AnalyzeOptions = {}, previous?: Analysis): Analysis {
  return analyze(parse(text, previous?.document), options);
}

export function analyze(document: CnnDocument, options: AnalyzeOptions = {}): Analysis {
  return checkMemoryLimit(new Analyzer(document, options).run(), options);
}

/** More expanded layers than this is a mistake (a block nested in itself ten times over), not a network. */
export const MAX_EXPANDED_LAYERS = 250_000;

/** Diagnostics kept for a file; one more says how many were left out. */
export const MAX_DIAGNOSTICS = 1000;

/** What a name in `from=` (or the line above) stands for. */
interface Output {
  /** Full name of the layer, or `input`. */
  name: string;
  /** Undefined when it could not be computed; readers are then not computed either, silently. */
  shape?: Shape;
  receptiveField: [number, number];
  jump: [number, number];
  /** 0-based line of the statement that made it. */
  line?: number;
  /** Its layer's place in the network's layers; -1 for the input. */
  index?: number;
}

/** A block parameter's value: a number, a size, or a word passed through (`act=relu`). */
export type BlockArgument = Binding;
type Binding = { type: 'number'; value: number } | { type: 'size'; parts: number[] } | { type: 'name'; name: string };

interface Scope {
  /** `layer1.0.` inside an instance, '' at top level. */
  prefix: string;
  /** Full name of the instance being expanded. */
  instance?: string;
  bindings: Map<string, Binding>;
  defaults: LayerDefaults;
  names: Map<string, Output>;
  counts: Map<string, number>;
  /** The output the next statement reads unless it names another. */
  last: Output;
  /** What `input` (top level) or `in` (a block) names. */
  entry: Output;
  entryWord: 'input' | 'in';
  /** Blocks being expanded, outermost first. */
  stack: BlockDefinition[];
  /** The bindings as text: two scopes with the same read every line the same. */
  signature: string;
}

interface LineReading {
  values: Partial<Record<KeyName, unknown>>;
  pairs: Partial<Record<KeyName, KeyValue>>;
  from?: KeyValue;
  count: number | undefined | null;
  computable: boolean;
}

const UNKNOWN_FIELD: [number, number] = [1, 1];
class Analyzer {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly reported = new Set<string>();
  private readonly entries = new Map<LayerStatement, LayerAnalysis>();
  private readonly layerList: LayerAnalysis[] = [];
  private readonly blocks = new Map<string, BlockDefinition>();
  private readonly blockList: BlockDefinition[] = [];
  /** Every block name in the file and its line, to tell "defined below" from "unknown". */
  private readonly blockLines = new Map<string, number>();
  private readonly networkLayers: NetworkLayer[] = [];
  private readonly instances: NetworkInstance[] = [];
  private readonly unresolved: UnresolvedLayer[] = [];
  /** The names the last layer() read, set even when the layer could not be worked out. */
  private readNames: string[] = [];
  /** Every full name given out, so a top-level `layer1.0` cannot collide with an instance's. */
  private readonly fullNames = new Map<string, Output>();
  /** Parallel to networkLayers: the statement of each, the layers each reads (by index), whether any layer reads it. */
  private readonly layerStatements: LayerStatement[] = [];
  private readonly readCache = new Map<LayerStatement, Map<string, LineReading>>();
  private readonly inputIndices: number[][] = [];
  private readonly isRead: boolean[] = [];
  private readonly top: Scope;
  private networkStatement?: NetworkStatement;
  private inputStatement?: InputStatement;
  private trainStatement?: TrainStatement;
  private train?: TrainSettings;
  private input?: Shape;
  private missingInputReported = false;
  private expanded = 0;
  /** Running params, neurons and MACs, to stop before a count stops being exact. */
  private readonly totals = [0, 0, 0];
  /** The layers the layer being computed reads, by index (set by layer(), read by statementIn). */
  private readIndices: number[] = [];
  private overflow = false;

  constructor(
    private readonly document: CnnDocument,
    private readonly options: AnalyzeOptions,
  ) {
    const entry: Output = { name: 'input', shape: undefined, receptiveField: [1, 1], jump: [1, 1], index: -1 };
    this.top = {
      prefix: '', bindings: new Map(), defaults: { act: 'relu', init: { kind: 'he' }, bias: true }, names: new Map(), counts: new Map(),
      last: entry, entry, entryWord: 'input', stack: [], signature: '',
    };
  }

  run(): Analysis {
    for (const d of this.document.diagnostics) this.report(d.span, d.code as Code, d.message);
    for (const st of this.document.statements) {
      if (st.type === 'block' && st.name && !this.blockLines.has(st.name)) this.blockLines.set(st.name, st.span.line);
    }
    let open: BlockDefinition | undefined;
    this.document.statements.forEach((statement, index) => {
      if (open && statement.type !== 'layer' && statement.type !== 'defaults' && statement.type !== 'end') {
        if (statement.type === 'block') {
          this.report(statement.keywordSpan, 'nested-block', `A block cannot be defined inside another: end '${open.name}' first (blocks may use blocks defined above them)`);
          this.closeBlock(open, undefined);
        } else {
          this.report(statement.keywordSpan, 'statement-order', `'${statement.type}' cannot be inside block '${open.name}' (line ${open.statement.span.line + 1}); end the block first`);
          return;
        }
        open = undefined;
      }
      switch (statement.type) {
        case 'network':
          this.networkLine(statement, index);
          break;
        case 'input':
          this.inputLine(statement);
          break;
        case 'defaults':
          if (open) open.body.push(statement);
          else this.defaultsLine(statement.pairs, this.top);
          break;
        case 'layer':
          if (open) {
            open.body.push(statement);
            this.entryFor(statement, open);
          } else {
            if (this.trainStatement) {
              this.report(statement.keywordSpan, 'statement-order', `Layers must come before 'train' (line ${this.trainStatement.span.line + 1})`);
            }
            this.statementIn(this.top, statement);
          }
          break;
        case 'train':
          this.trainLine(statement);
          break;
        case 'block':
          open = this.openBlock(statement);
          break;
        case 'end':
          if (open) this.closeBlock(open, statement.keywordSpan);
          else this.report(statement.keywordSpan, 'unmatched-end', "'end' closes a block, but no block is open here");
          open = undefined;
          break;
      }
    });
    if (open) {
      this.report(open.statement.keywordSpan, 'unclosed-block', `Block '${open.name}' has no 'end': close it with a line that says end`);
      this.closeBlock(open, undefined);
    }
    for (const block of this.blockList) {
      if (block.instances.length === 0 && block.statement.nameSpan) {
        this.report(block.statement.nameSpan, 'unused-block', `Block '${block.name}' is never used, so its layers are not checked`);
      }
    }
    this.checkSoftmaxLast();
    this.checkUnread();
    for (const p of signalAnalysis(this.networkLayers, this.inputIndices)) {
      const statement = this.layerStatements[this.networkLayers.indexOf(p.layer)];
      this.report(statement.keywordSpan, p.code, p.message);
    }
    // An empty file (or one of comments) is a file being started, not a mistake: no squiggle yet.
    if (!this.inputStatement && !this.missingInputReported && this.document.statements.length > 0) {
      const first = this.document.statements[0];
      const span = first ? first.keywordSpan : { line: 0, start: 0, end: 0 };
      this.report(span, 'missing-input', "The network needs an input statement, e.g. 'input 227x227x3'");
    }
    this.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    if (this.diagnostics.length > MAX_DIAGNOSTICS) {
      // An editor cannot show a hundred thousand squiggles, and a client may choke on the message.
      const left = this.diagnostics.length - MAX_DIAGNOSTICS;
      const errors = this.diagnostics.slice(MAX_DIAGNOSTICS).filter((d) => d.severity === 'error').length;
      const last = this.diagnostics[MAX_DIAGNOSTICS - 1].range;
      this.diagnostics.length = MAX_DIAGNOSTICS;
      this.diagnostics.push({
        range: { start: last.start, end: last.start },
        severity: errors ? 'error' : 'warning',
        code: 'too-many-diagnostics',
        message: `${left.toLocaleString('en-US')} more diagnostics (${errors.toLocaleString('en-US')} errors) after line ${last.start.line + 1} are left out; fix these first`,
      });
    }
    const analysed = this.networkLayers;
    const network: Network = {
      network: this.networkStatement?.name,
      input: this.input,
      layers: analysed,
      instances: this.instances.length ? this.instances : undefined,
      unresolved: this.unresolved.length ? this.unresolved : undefined,
      totals: {
        params: sum(analysed, (l) => l.params),
        neurons: sum(analysed, (l) => (kindSpec(l.kind)!.neurons ? l.neurons : 0)),
        neuronsConvFc: sum(analysed, (l) => (kindSpec(l.kind)!.neuronsConvFc ? l.neurons : 0)),
        macs: sum(analysed, (l) => l.macs),
        nonTrainableParams: sum(analysed, (l) => (l.kind === 'batchnorm' ? 2 * l.output[l.output.length - 1] : 0)),
        forwardFlops: 2 * sum(analysed, (l) => l.macs),
        trainingFlops: 6 * sum(analysed, (l) => l.macs),
      },
      train: this.train,
      diagnostics: this.diagnostics.map(toNetworkDiagnostic),
    };
    if (network.network === undefined) delete network.network;
    if (network.input === undefined) delete network.input;
    if (network.instances === undefined) delete network.instances;
    if (network.train === undefined) delete network.train;
    return {
      document: this.document,
      network,
      diagnostics: this.diagnostics,
      layers: this.layerList,
      blocks: this.blockList,
      networkStatement: this.networkStatement,
      inputStatement: this.inputStatement,
      trainStatement: this.trainStatement,
    };
  }

  /**
   * Inside an instance the message names it, once: the same mistake in every instance of a block
   * is one diagnostic on the definition's line, not one per instance.
   */
  /** Severity comes from the code's row in DIAGNOSTIC_CODES, unless the user's settings change it. */
  private report(span: Span, code: Code, message: string, suggestion?: string, scope?: Scope): void {
    const severity = severityOf(code);
    const override = this.options.severity?.[code];
    if (override === 'off') return;
    const key = `${span.line}:${span.start}:${span.end}:${code}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const text = scope?.instance ? `In ${scope.instance}: ${message}` : message;
    const diagnostic: Diagnostic = { range: spanToRange(span), severity: override ?? severity, code, message: text };
    if (suggestion !== undefined) diagnostic.data = { suggestion };
    this.diagnostics.push(diagnostic);
  }

  private networkLine(statement: NetworkStatement, index: number): void {
    if (this.networkStatement) {
      this.report(statement.keywordSpan, 'duplicate-statement', `'network' may appear once; it is already on line ${this.networkStatement.span.line + 1}`);
      return;
    }
    this.networkStatement = statement;
    if (index > 0) this.report(statement.keywordSpan, 'statement-order', "'network' must be the first statement");
    if (!statement.name) this.report(statement.keywordSpan, 'missing-name', "'network' needs a name, e.g. 'network alexnet'");
  }

  private inputLine(statement: InputStatement): void {
    if (this.inputStatement) {
      this.report(statement.keywordSpan, 'duplicate-statement', `'input' may appear once; it is already on line ${this.inputStatement.span.line + 1}`);
      return;
    }
    this.inputStatement = statement;
    const layersBefore = this.layerList.some((l) => !l.definedIn);
    if (layersBefore) {
      this.report(statement.keywordSpan, 'statement-order', "'input' must come before the first layer");
    }
    const size = statement.size;
    if (!size) {
      this.report(statement.keywordSpan, 'invalid-input', "'input' needs a size HxWxC, e.g. 'input 227x227x3' (a grey image is 28x28x1)");
      return;
    }
    if (size.type !== 'size' || size.parts.length !== 3) {
      const hint = size.type === 'size' && size.parts.length === 2 ? ` (add the channels: ${size.parts.join('x')}x3 for colour, x1 for grey)` : '';
      this.report(size.span, 'invalid-input', `'input' needs a size HxWxC, e.g. 227x227x3${hint}`);
      return;
    }
    if (size.parts.some((n) => !Number.isSafeInteger(n) || n < 1)) {
      this.report(size.span, 'invalid-input', `Every side of the input must be a whole number of at least 1, found ${clip(size.parts.join('x'))}`);
      return;
    }
    if (!Number.isSafeInteger(size.parts.reduce((a, b) => a * b, 1))) {
      this.report(size.span, 'too-large', `An input of ${clip(size.parts.join('x'))} values is past 2^53, beyond what is counted exactly`);
      return;
    }
    if (layersBefore) return;
    this.input = size.parts as Shape;
    this.top.entry.shape = this.input;
  }

  private defaultsLine(pairs: KeyValue[], scope: Scope): void {
    for (const pair of pairs) {
      const key = canonicalKey(pair.key);
      if (!key || !DEFAULTS_KEYS.includes(key)) {
        this.unknownKey(pair, DEFAULTS_KEYS, key ? `'defaults' sets only ${DEFAULTS_KEYS.join(', ')}; set '${pair.key}' on each layer` : undefined, scope);
        continue;
      }
      const value = this.readValue(pair, key, scope);
      if (value === undefined) continue;
      if (key === 'act') scope.defaults.act = value as Activation;
      if (key === 'init') scope.defaults.init = value as Init;
      if (key === 'bias') scope.defaults.bias = value as boolean;
    }
  }

  private openBlock(statement: BlockStatement): BlockDefinition | undefined {
    const name = statement.name ?? '';
    const block: BlockDefinition = { name, statement, body: [], defaults: cloneDefaults(this.top.defaults), instances: [], arguments: [] };
    if (!statement.name) return block;
    const nameSpan = statement.nameSpan!;
    if (kindSpec(name)) {
      this.report(nameSpan, 'invalid-name', `'${name}' is a layer kind; give the block another name`);
    } else if (this.blocks.has(name)) {
      this.report(nameSpan, 'duplicate-name', `A block named '${name}' is already defined on line ${this.blocks.get(name)!.statement.span.line + 1}`);
    } else {
      this.blocks.set(name, block);
      this.blockList.push(block);
    }
    const seen = new Set<string>();
    for (const param of statement.params) {
      if (seen.has(param.name)) this.report(param.span, 'duplicate-name', `Parameter '${param.name}' is listed twice`);
      if (param.name === 'in' || param.name === 'from' || param.name === 'repeat') {
        this.report(param.span, 'invalid-name', `'${param.name}' cannot name a parameter: it has a meaning of its own on a use line`);
      }
      seen.add(param.name);
    }
    return block;
  }

  private closeBlock(block: BlockDefinition, end: Span | undefined): void {
    block.end = end;
  }

  private entryFor(statement: LayerStatement, definedIn?: BlockDefinition): LayerAnalysis {
    let entry = this.entries.get(statement);
    if (!entry) {
      const spec = kindSpec(statement.kind);
      entry = { statement, spec, definedIn, name: statement.label ?? '', pairs: {}, instances: [] };
      this.entries.set(statement, entry);
      this.layerList.push(entry);
    }
    return entry;
  }

  /** One layer statement (a layer or a block use) evaluated in a scope: the top level or an instance. */
  private statementIn(scope: Scope, statement: LayerStatement): void {
    const entry = this.entryFor(statement);
    const spec = kindSpec(statement.kind);
    const block = spec ? undefined : this.blocks.get(statement.kind);
    const counter = spec?.kind ?? statement.kind;
    const count = (scope.counts.get(counter) ?? 0) + 1;
    scope.counts.set(counter, count);
    const name = statement.label ?? `${counter}${count}`;
    if (!entry.name) entry.name = name;
    const full = scope.prefix + name;
    const line = statement.span.line;
    const unknown: Output = { name: full, shape: undefined, receptiveField: UNKNOWN_FIELD, jump: UNKNOWN_FIELD, line };
    const done = (output: Output) => {
      if (output.line !== line) output = { ...output, line };
      scope.last = output;
      if (!scope.names.has(name)) scope.names.set(name, output);
      if (!this.fullNames.has(full)) this.fullNames.set(full, output);
    };

    const earlier = scope.names.get(name);
    if (earlier || name === scope.entryWord) {
      const what = name === scope.entryWord ? `'${name}' names the ${scope.entryWord === 'in' ? "block's input" : "network's input"}` : `A layer named '${name}' already exists on line ${earlier!.line! + 1}`;
      this.report(statement.labelSpan ?? statement.keywordSpan, 'duplicate-name', what, undefined, scope);
      done(unknown);
      return;
    }
    if (this.fullNames.has(full)) {
      this.report(statement.labelSpan ?? statement.keywordSpan, 'duplicate-name', `The full name '${full}' is already taken by a layer of a block instance`, undefined, scope);
      done(unknown);
      return;
    }
    const below = this.blockLines.get(statement.kind);
    if (!spec && !block && below !== undefined && below > statement.span.line) {
      this.report(statement.keywordSpan, 'unknown-block', `Block '${statement.kind}' is defined below, on line ${below + 1}: define a block before its first use`, undefined, scope);
      done(unknown);
      return;
    }
    if (!spec && !block) {
      this.unknownKind(statement, scope);
      done(unknown);
      return;
    }
    if (this.overflow) {
      done(unknown);
      return;
    }
    if (block) {
      entry.uses = block;
      if (block.statement.span.line > statement.span.line) {
        this.report(statement.keywordSpan, 'unknown-block', `Block '${block.name}' is defined below, on line ${block.statement.span.line + 1}: define a block before its first use`, undefined, scope);
        done(unknown);
        return;
      }
      if (scope.stack.includes(block) || entry.definedIn === block) {
        this.report(statement.keywordSpan, 'recursive-block', `Block '${block.name}' cannot use itself`, undefined, scope);
        done(unknown);
        return;
      }
      const before = this.expanded;
      done(this.useBlock(scope, statement, entry, block, full));
      if (this.overflow && scope.stack.length === 0) {
        this.report(statement.keywordSpan, 'too-large', `This use expands to more than ${MAX_EXPANDED_LAYERS.toLocaleString('en-US')} layers (${(this.expanded - before).toLocaleString('en-US')} made before stopping); nothing after it is computed`);
      }
      return;
    }
    if (!this.inputStatement && !this.missingInputReported) {
      this.missingInputReported = true;
      this.report(statement.keywordSpan, 'missing-input', "An input statement must come before the first layer, e.g. 'input 227x227x3'");
    }
    if (++this.expanded > MAX_EXPANDED_LAYERS) {
      this.overflow = true;
      done(unknown);
      return;
    }
    this.readNames = [];
    const layer = this.layer(scope, statement, entry, spec!, full);
    if (!layer) {
      this.unresolved.push({ name: full, kind: spec!.kind, line: statement.span.line + 1, inputs: this.readNames, block: scope.instance });
      done(unknown);
      return;
    }
    // Past 2^53 a double no longer holds every whole number: the counts would print wrong digits.
    this.totals[0] += layer.params;
    this.totals[1] += layer.neurons;
    this.totals[2] += layer.macs;
    if (!this.totals.every(Number.isSafeInteger)) {
      this.report(statement.keywordSpan, 'too-large', `This layer takes the network past 2^53 (9,007,199,254,740,992) parameters, neurons or MACs, beyond what is counted exactly; nothing after it is computed`, undefined, scope);
      this.overflow = true;
      done(unknown);
      return;
    }
    const index = this.networkLayers.length;
    this.networkLayers.push(layer);
    this.layerStatements.push(statement);
    this.isRead.push(false);
    const reads = this.readIndices;
    this.inputIndices.push(reads);
    for (const i of reads) if (i >= 0) this.isRead[i] = true;
    if (entry.definedIn) entry.instances.push(layer);
    if (!entry.layer) entry.layer = layer;
    done({ name: full, shape: layer.output, receptiveField: layer.receptiveField, jump: layer.jump, line, index });
  }

  private unknownKind(statement: LayerStatement, scope: Scope): void {
    const blockNames = [...this.blockLines.keys()];
    const guesses = closest(statement.kind, [...KIND_WORDS, ...blockNames]);
    const guess = guesses[0];
    const isBlockGuess = guess !== undefined && blockNames.includes(guess) && !KIND_WORDS.includes(guess);
    const kinds = `kinds: ${KIND_WORDS.join(', ')}${blockNames.length ? `; blocks: ${blockNames.join(', ')}` : ''}`;
    this.report(statement.keywordSpan, isBlockGuess || (statement.args.length > 1 && !guess) ? 'unknown-block' : 'unknown-kind',
      `Unknown layer kind or block '${clip(statement.kind)}'${guess ? `: did you mean '${guess}'?` : ''} (${kinds})`,
      guess,
      scope,
    );
  }

  // ---- values -------------------------------------------------------------------------------

  /** A value with the scope's parameters put in: `width*4` → 256, `s=stride` → 2. */
  private substitute(value: Value, scope: Scope): Value | undefined {
    if (value.type === 'name') {
      const bound = scope.bindings.get(value.name);
      if (bound) return bindingValue(bound, value.span);
      if (!/[-x]/.test(value.name.slice(1)) || scope.bindings.size === 0) return value;
      // `stride-1`, `kxk`: arithmetic spelt without spaces.
      const result = evaluate(value.name, numberBindings(scope));
      return result.ok ? partsValue(result.parts, value.span) : value;
    }
    if (value.type === 'expr') {
      const result = evaluate(value.text, numberBindings(scope));
      if (!result.ok) {
        const names = [...scope.bindings.keys()];
        const guess = result.name ? closest(result.name, names)[0] : undefined;
        const where = scope.stack.length ? ` (parameters here: ${names.join(', ') || 'none'})` : ' (outside a block there are no parameters)';
        const message = result.code === 'unknown-parameter' ? `${result.message}${guess ? `: did you mean '${guess}'?` : ''}${where}` : result.message;
        this.report(value.span, result.code, message, guess, scope);
        return undefined;
      }
      return partsValue(result.parts, value.span);
    }
    return value;
  }

  private unknownKey(pair: KeyValue, allowed: readonly string[], why: string | undefined, scope: Scope): void {
    const words = [...allowed, ...Object.keys(KEY_ALIASES).filter((a) => allowed.includes(KEY_ALIASES[a]))];
    const guesses = closest(pair.key, words);
    const list = allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes no keys';
    const message = why ?? `Unknown key '${clip(pair.key)}'${guesses.length ? `: did you mean '${guesses[0]}'?` : ''} (${list})`;
    this.report(pair.keySpan, 'unknown-key', message, why ? undefined : guesses[0], scope);
  }

  /** The value, read and checked; undefined (with a diagnostic) when it cannot be used. */
  private readValue(pair: KeyValue, key: KeyName, scope: Scope): unknown {
    if (!pair.value) return undefined; // the parser already said what is missing
    const value = this.substitute(pair.value, scope);
    if (!value) return undefined;
    const read = KEYS[key].read(value);
    if (!read.ok) {
      const written = value.type === 'name' ? value.name : undefined;
      const guess = written && KEYS[key].values ? closest(written, KEYS[key].values!)[0] : undefined;
      const message = `Invalid ${key}: ${read.message}${guess ? `; did you mean '${guess}'?` : ''}`;
      this.report(value.span, 'invalid-value', message, guess, scope);
      return undefined;
    }
    return read.value;
  }

  /** A name in `from=`: a layer or instance above in this scope, `in`/`input`, or a full name inside an instance. */
  private resolve(ref: NameRef, scope: Scope): Output | undefined {
    if (ref.name === scope.entryWord) return scope.entry;
    const local = scope.names.get(ref.name);
    if (local) return local;
    // `layer2.0.conv1`: inside the instance whose (possibly dotted) name is the longest local prefix.
    for (let dot = ref.name.lastIndexOf('.'); dot > 0; dot = ref.name.lastIndexOf('.', dot - 1)) {
      if (!scope.names.has(ref.name.slice(0, dot))) continue;
      const inside = this.fullNames.get(scope.prefix + ref.name);
      if (inside) return inside;
      break;
    }
    const candidates = [scope.entryWord, ...scope.names.keys()];
    const guess = closest(ref.name, candidates)[0];
    let why = '';
    if (ref.name === 'input' && scope.entryWord === 'in') why = "; inside a block, its input is 'in' (a block cannot see the network's layers)";
    else if (ref.name === 'in' && scope.entryWord === 'input') why = "; 'in' is a block's input, the network's is 'input'";
    else if (guess) why = `: did you mean '${guess}'?`;
    this.report(ref.span, 'unknown-layer', `No layer named '${clip(ref.name)}' above this line${why} (a layer reads only layers defined above it)`, guess, scope);
    return undefined;
  }

  /** The outputs a statement reads: those named in `from`, or the line above. Undefined: not computable. */
  private inputsOf(scope: Scope, statement: LayerStatement, from: KeyValue | undefined, merge: boolean): Output[] | undefined {
    if (!from) {
      if (merge) {
        this.report(statement.keywordSpan, 'missing-from', `'${statement.kind}' needs two or more layers to read, e.g. '${statement.kind} from=a,b'`, undefined, scope);
        return undefined;
      }
      return [scope.last];
    }
    if (!from.value) return undefined;
    const refs = from.value.type === 'names' ? from.value.names : from.value.type === 'name' ? [{ name: from.value.name, span: from.value.span }] : undefined;
    if (!refs) {
      this.report(from.value.span, 'invalid-value', 'Invalid from: expected a layer name, or names separated by commas (from=a,b)', undefined, scope);
      return undefined;
    }
    if (merge && refs.length < 2) {
      this.report(from.value.span, 'missing-from', `'${statement.kind}' needs two or more layers in from=, e.g. from=a,b`, undefined, scope);
      return undefined;
    }
    if (!merge && refs.length > 1) {
      this.report(from.value.span, 'invalid-value', `'${statement.kind}' reads one layer; only add and concat take several in from=`, undefined, scope);
      return undefined;
    }
    const seen = new Set<string>();
    const outputs: Output[] = [];
    let ok = true;
    for (const ref of refs) {
      if (seen.has(ref.name)) {
        this.report(ref.span, 'duplicate-name', `'${ref.name}' is listed twice in from=`, undefined, scope);
        ok = false;
        continue;
      }
      seen.add(ref.name);
      const output = this.resolve(ref, scope);
      if (!output) ok = false;
      else outputs.push(output);
    }
    return ok ? outputs : undefined;
  }

  // ---- blocks -------------------------------------------------------------------------------

  private useBlock(scope: Scope, statement: LayerStatement, entry: LayerAnalysis, block: BlockDefinition, full: string): Output {
    const unknown: Output = { name: full, shape: undefined, receptiveField: UNKNOWN_FIELD, jump: UNKNOWN_FIELD };
    const params = block.statement.params;
    const bindings = new Map<string, Binding>();
    const given = new Map<string, Span>();
    let ok = true;
    let from: KeyValue | undefined;
    let repeat: number | undefined;
    const bind = (name: string, value: Value, span: Span) => {
      const substituted = this.substitute(value, scope);
      if (!substituted) {
        ok = false;
        return;
      }
      const binding = toBinding(substituted);
      if (!binding) {
        this.report(value.span, 'block-arguments', `Argument '${name}' of '${block.name}' must be a number, a size or a word, found '${describe(value)}'`, undefined, scope);
        ok = false;
        return;
      }
      bindings.set(name, binding);
      given.set(name, span);
    };
    statement.args.forEach((arg, i) => {
      if (i >= params.length) {
        this.report(arg.span, 'block-arguments', `'${block.name}' takes ${params.length} argument${params.length === 1 ? '' : 's'}${params.length ? ` (${params.map((p) => p.name).join(', ')})` : ''}; this is one too many`, undefined, scope);
        ok = false;
        return;
      }
      bind(params[i].name, arg, arg.span);
    });
    for (const pair of statement.pairs) {
      if (pair.key === 'from') {
        from = pair;
        continue;
      }
      if (pair.key === 'repeat') {
        if (!pair.value) continue;
        const value = this.substitute(pair.value, scope);
        if (value?.type === 'number' && Number.isInteger(value.value) && value.value >= 1) repeat = value.value;
        else {
          if (value) this.report(pair.value.span, 'invalid-value', `Invalid repeat: expected a whole number of at least 1, found '${describe(value)}'`, undefined, scope);
          ok = false;
        }
        continue;
      }
      const param = params.find((p) => p.name === pair.key);
      if (!param) {
        const guess = closest(pair.key, params.map((p) => p.name))[0];
        this.report(pair.keySpan, 'block-arguments', `'${block.name}' has no parameter '${clip(pair.key)}'${guess ? `: did you mean '${guess}'?` : ''} (it takes ${params.map((p) => p.name).join(', ') || 'none'}; and from, repeat)`, guess, scope);
        ok = false;
        continue;
      }
      if (given.has(param.name)) {
        this.report(pair.keySpan, 'block-arguments', `'${param.name}' is already given${given.get(param.name)!.start < pair.keySpan.start ? ' as a positional argument' : ''}`, undefined, scope);
        ok = false;
        continue;
      }
      if (pair.value) bind(param.name, pair.value, pair.keySpan);
      else ok = false;
    }
    const missing: string[] = [];
    for (const param of params) {
      if (bindings.has(param.name)) continue;
      if (param.default) {
        const result = evaluate(param.default.text, numberBindings({ bindings } as Scope));
        if (result.ok) bindings.set(param.name, partsBinding(result.parts));
        // A word default (`act=relu`) passes through as a word, as a word argument does.
        else if (result.code === 'unknown-parameter' && result.name === param.default.text.trim()) bindings.set(param.name, { type: 'name', name: result.name });
        else {
          this.report(param.default.span, result.code, `Default of '${param.name}': ${result.message}`);
          ok = false;
        }
        continue;
      }
      missing.push(param.name);
    }
    if (missing.length) {
      const example = `${block.name} ${params.map((p) => (p.default ? '' : p.name.toUpperCase())).filter(Boolean).join(' ')}`;
      this.report(statement.keywordSpan, 'block-arguments', `'${block.name}' needs ${missing.map((m) => `'${m}'`).join(', ')}: e.g. '${example}'`, undefined, scope);
      ok = false;
    }
    const inputs = this.inputsOf(scope, statement, from, false);
    if (!ok || !inputs) return unknown;
    const input = inputs[0];
    const outer = scope.instance;
    if (repeat === undefined) {
      const instance = this.expand(block, bindings, input, full, outer, statement, scope.stack);
      entry.instance ??= instance.record;
      return instance.output;
    }
    // `repeat=N`: a group holding N copies, `layer1.0` … `layer1.<N-1>`, each reading the one before.
    const group: NetworkInstance = { name: full, line: statement.span.line + 1, inputs: [input.name], output: [0], outputLayer: '', params: 0, macs: 0, layers: 0 };
    if (outer) group.block = outer;
    this.instances.push(group);
    entry.instance ??= group;
    const start = this.networkLayers.length;
    let current = input;
    for (let k = 0; k < repeat && !this.overflow; k++) {
      current = this.expand(block, bindings, current, `${full}.${k}`, full, statement, scope.stack).output;
      if (!current.shape) break;
    }
    this.finishInstance(group, start, current);
    return current.shape ? { ...current } : unknown;
  }

  private expand(
    block: BlockDefinition,
    bindings: Map<string, Binding>,
    input: Output,
    full: string,
    outer: string | undefined,
    use: LayerStatement,
    stack: BlockDefinition[],
  ): { output: Output; record: NetworkInstance } {
    const record: NetworkInstance = { name: full, blockName: block.name, line: use.span.line + 1, inputs: [input.name], output: [0], outputLayer: '', params: 0, macs: 0, layers: 0 };
    if (outer) record.block = outer;
    this.instances.push(record);
    block.instances.push(record);
    block.arguments.push(bindings);
    const scope: Scope = {
      prefix: `${full}.`, instance: full, bindings, defaults: cloneDefaults(block.defaults), names: new Map(), counts: new Map(),
      last: input, entry: input, entryWord: 'in', stack: [...stack, block], signature: signatureOf(bindings),
    };
    const start = this.networkLayers.length;
    for (const statement of block.body) {
      if (this.overflow) break;
      if (statement.type === 'defaults') this.defaultsLine(statement.pairs, scope);
      else this.statementIn(scope, statement);
    }
    const output = scope.last === input && block.body.every((s) => s.type !== 'layer') ? input : scope.last;
    this.finishInstance(record, start, output);
    return { output, record };
  }

  private finishInstance(record: NetworkInstance, start: number, output: Output): void {
    const layers = this.networkLayers.slice(start);
    record.layers = layers.length;
    record.params = sum(layers, (l) => l.params);
    record.macs = sum(layers, (l) => l.macs);
    record.output = output.shape ?? [0];
    record.outputLayer = output.name;
  }

  // ---- one layer ----------------------------------------------------------------------------

  private layer(scope: Scope, statement: LayerStatement, entry: LayerAnalysis, spec: KindSpec, full: string): NetworkLayer | undefined {
    // A line read with the same parameters reads the same (and its diagnostics were reported the
    // first time): a block used a hundred times with one set of arguments is read once.
    let cache = this.readCache.get(statement);
    if (!cache) this.readCache.set(statement, (cache = new Map()));
    const cached = cache.get(scope.signature);
    if (cached) {
      const inputs = this.inputsOf(scope, statement, cached.from, spec.merge === true);
      this.readNames = inputs?.map((i) => i.name) ?? [];
      if (!cached.computable || !inputs || inputs.some((i) => !i.shape)) return undefined;
      this.readIndices = inputs.map((i) => i.index ?? -1);
      return this.compute(scope, statement, entry, spec, full, cached.values, cached.pairs, cached.count ?? 0, inputs);
    }
    let computable = true;
    const values: Partial<Record<KeyName, unknown>> = {};
    const pairs: Partial<Record<KeyName, KeyValue>> = {};
    let from: KeyValue | undefined;
    for (const pair of statement.pairs) {
      if (pair.key === 'from') {
        if (from) this.report(pair.keySpan, 'duplicate-key', "'from' is already set on this line", undefined, scope);
        else from = pair;
        continue;
      }
      const key = canonicalKey(pair.key);
      if (!key || !spec.keys.includes(key)) {
        const why = key ? `'${statement.kind}' takes no '${pair.key}'${spec.keys.length ? ` (it takes ${spec.keys.join(', ')}, from)` : ' (it takes from)'}` : undefined;
        this.unknownKey(pair, [...spec.keys, 'from'], why, scope);
        continue;
      }
      if (pairs[key]) {
        this.report(pair.keySpan, 'duplicate-key', `'${key}' is already set on this line${pair.key !== key ? ` (${pair.key} is ${key})` : ''}`, undefined, scope);
        continue;
      }
      pairs[key] = pair;
      const value = this.readValue(pair, key, scope);
      if (value === undefined) {
        if (key === 'kernel' || key === 'stride' || key === 'pad' || key === 'groups') computable = false;
        continue;
      }
      values[key] = value;
    }
    if (!entry.definedIn || entry.instances.length === 0) entry.pairs = pairs;

    const count = this.countOf(scope, statement, spec);
    if (count === null) computable = false;
    for (const required of spec.required) {
      if (!pairs[required]) {
        this.report(statement.keywordSpan, `missing-${required}` as Code, `'${statement.kind}' needs a ${required}, e.g. '${statement.kind}${statement.count ? ` ${statement.count}` : ''} ${required}=3'`, undefined, scope);
        computable = false;
      }
    }
    cache.set(scope.signature, { values, pairs, from, count, computable });
    const inputs = this.inputsOf(scope, statement, from, spec.merge === true);
    this.readNames = inputs?.map((i) => i.name) ?? [];
    if (!computable || !inputs || inputs.some((i) => !i.shape)) return undefined;
    this.readIndices = inputs.map((i) => i.index ?? -1);
    return this.compute(scope, statement, entry, spec, full, values, pairs, count ?? 0, inputs);
  }

  /** The count (filters, units, classes) from the first argument; null when missing or invalid (reported). */
  private countOf(scope: Scope, statement: LayerStatement, spec: KindSpec): number | undefined | null {
    const args = statement.args;
    // A bare word after the kind that is no parameter here is a key missing its '='.
    for (const arg of args) {
      if (arg.type === 'name' && !scope.bindings.has(arg.name) && !/[-x]/.test(arg.name.slice(1))) {
        this.report(arg.span, 'expected-equals', `Expected '=' after '${clip(arg.name)}' (write ${clip(arg.name)}=VALUE)`, undefined, scope);
      }
    }
    if (!spec.count) {
      if (args.length) this.report(args[0].span, 'unexpected-count', `'${statement.kind}' takes no count`, undefined, scope);
      return undefined;
    }
    const first = args.find((a) => !(a.type === 'name' && !scope.bindings.has(a.name) && !/[-x]/.test(a.name.slice(1))));
    if (!first) {
      const example = spec.kind === 'conv' ? 'conv 96 f=11 s=4' : `${statement.kind} 1000`;
      this.report(statement.keywordSpan, 'missing-count', `'${statement.kind}' needs its number of ${spec.count} after the kind, e.g. '${example}'`, undefined, scope);
      return null;
    }
    for (const extra of args.slice(args.indexOf(first) + 1)) {
      if (extra.type !== 'name') this.report(extra.span, 'unexpected-count', `'${statement.kind}' takes one count`, undefined, scope);
    }
    const value = this.substitute(first, scope);
    if (!value) return null;
    if (value.type === 'number' && Number.isSafeInteger(value.value) && value.value > 0) return value.value;
    this.report(first.span, 'invalid-count', `The count after '${statement.kind}' must be a whole number of at least 1, found '${describe(value)}'`, undefined, scope);
    return null;
  }

  private compute(
    scope: Scope,
    statement: LayerStatement,
    entry: LayerAnalysis,
    spec: KindSpec,
    full: string,
    values: Partial<Record<KeyName, unknown>>,
    pairs: Partial<Record<KeyName, KeyValue>>,
    count: number,
    inputs: Output[],
  ): NetworkLayer | undefined {
    const source = inputs[0];
    const input = source.shape!;
    const defaults = scope.defaults;
    // `defaults act=` sets the act of the kinds whose act defaults to relu (conv, fc); batchnorm and
    // the merges start at none, so a version-1 file keeps its numbers.
    const weighted = spec.params === 'weights';
    const act = spec.keys.includes('act') ? ((values.act as Activation | undefined) ?? (weighted ? defaults.act : 'none')) : undefined;
    const init = spec.keys.includes('init') ? ((values.init as Init | undefined) ?? defaults.init) : undefined;
    const bias = spec.keys.includes('bias') ? ((values.bias as boolean | undefined) ?? defaults.bias) : undefined;

    if (spec.image && input.length !== 3) {
      const before = source.name === 'input' ? 'the input is' : `'${source.name}' outputs`;
      this.report(statement.keywordSpan, 'needs-image-input', `'${statement.kind}' needs an H×W×C input, but ${before} a flat vector of ${input[0]}`, undefined, scope);
      return undefined;
    }

    // Every key of the contract, in the spec's order, from the start: the JSON reads in that order
    // (undefined keys are left out of it) and every layer object has one shape for the engine.
    const layer: NetworkLayer = {
      name: full, kind: spec.kind, line: statement.span.line + 1, inputs: inputs.map((i) => i.name), block: scope.instance, input, inputShapes: undefined, output: input,
      raw: undefined, kernel: undefined, stride: undefined, pad: undefined, round: undefined, groups: undefined,
      count: undefined, neurons: 0, filterPlusOne: undefined, params: 0, weights: 0, biases: 0,
      activationParams: 0, macs: 0, act: undefined, init: undefined, initStd: undefined, bias: undefined,
      rate: undefined, size: undefined, fanIn: undefined, fanOut: undefined, signal: undefined,
      receptiveField: source.receptiveField, jump: source.jump,
    };
    let fanIn = 0;
    let fanOut = 0;

    switch (spec.shape) {
      case 'window': {
        const [h, w, c] = input as [number, number, number];
        const kernel = values.kernel as [number, number];
        const stride = (values.stride as [number, number] | undefined) ?? (spec.kind === 'conv' ? [1, 1] : kernel);
        const pad = (values.pad as [number, number] | undefined) ?? [0, 0];
        const round = (values.round as Rounding | undefined) ?? 'floor';
        const groups = spec.kind === 'conv' ? ((values.groups as number | undefined) ?? 1) : undefined;
        const channels = spec.kind === 'conv' ? count : c;
        if (groups !== undefined && (c % groups !== 0 || count % groups !== 0)) {
          const span = pairs.groups?.value?.span ?? statement.keywordSpan;
          this.report(span, 'groups-mismatch', `groups=${groups} must divide both the input channels (${c}) and the filters (${count})`, undefined, scope);
          return undefined;
        }
        if (spec.kind !== 'conv' && (pad[0] > kernel[0] / 2 || pad[1] > kernel[1] / 2)) {
          const span = pairs.pad?.value?.span ?? statement.keywordSpan;
          this.report(span, 'pool-pad-too-large', `Pooling padding ${pad.join('x')} is more than half the kernel ${kernel.join('x')}; PyTorch refuses it (pad ≤ ${Math.floor(Math.min(...kernel) / 2)})`, undefined, scope);
          return undefined;
        }
        if (spec.kind === 'conv' && (pad[0] >= kernel[0] || pad[1] >= kernel[1])) {
          const span = pairs.pad?.value?.span ?? statement.keywordSpan;
          this.report(span, 'pad-too-large', `Padding ${pad.join('x')} is not smaller than the kernel ${kernel.join('x')}: the outermost outputs see only zeros`, undefined, scope);
        }
        const raw: [number, number] = [0, 0];
        const output: [number, number] = [0, 0];
        for (const axis of [0, 1] as const) {
          const n = axis === 0 ? h : w;
          const span = n + 2 * pad[axis];
          if (kernel[axis] > span) {
            this.report(pairs.kernel?.value?.span ?? statement.keywordSpan, 'output-too-small',
              `The ${kernel[axis]}-wide window does not fit in the ${n} + 2·${pad[axis]} = ${span} ${axis === 0 ? 'rows' : 'columns'} of the input: (${n} + 2·${pad[axis]} − ${kernel[axis]})/${stride[axis]} + 1 = ${formatReal((span - kernel[axis]) / stride[axis] + 1)} < 1`,
              undefined,
              scope,
            );
            return undefined;
          }
          const size = windowSize(n, kernel[axis], stride[axis], pad[axis], round);
          raw[axis] = size.raw;
          output[axis] = size.output;
        }
        this.reportNonInteger(statement, scope, input as [number, number, number], kernel, stride, pad, raw, output, round);
        layer.output = [output[0], output[1], channels];
        layer.raw = raw;
        layer.kernel = kernel;
        layer.stride = stride;
        layer.pad = pad;
        layer.round = round;
        if (spec.kind === 'conv') {
          ({ fanIn, fanOut } = convFans(kernel, c, count, groups!));
          layer.groups = groups;
          layer.macs = output[0] * output[1] * count * fanIn;
        }
        const [rf, jump] = [source.receptiveField, source.jump];
        layer.receptiveField = [rf[0] + (kernel[0] - 1) * jump[0], rf[1] + (kernel[1] - 1) * jump[1]];
        layer.jump = [jump[0] * stride[0], jump[1] * stride[1]];
        break;
      }
      case 'global': {
        const [h, w, c] = input as [number, number, number];
        layer.output = [1, 1, c];
        coverWhole(layer, source, [h, w]);
        break;
      }
      case 'dense': {
        const flat = input.reduce((a, b) => a * b, 1);
        layer.output = [count];
        ({ fanIn, fanOut } = denseFans(flat, count));
        layer.macs = count * flat;
        if (input.length === 3) coverWhole(layer, source, [input[0], input[1]]);
        break;
      }
      case 'same':
        if (spec.kind === 'dropout') layer.rate = (values.rate as number | undefined) ?? 0.5;
        if (spec.kind === 'lrn') layer.size = (values.size as number | undefined) ?? 5;
        break;
      case 'sum':
      case 'concat': {
        const merged = this.merge(scope, statement, spec, inputs);
        if (!merged) return undefined;
        layer.output = merged;
        layer.inputShapes = inputs.map((i) => i.shape!);
        // The widest view among the operands (a shortcut sees less than the path beside it).
        const widest = inputs.reduce((a, b) => (b.receptiveField[0] * b.receptiveField[1] > a.receptiveField[0] * a.receptiveField[1] ? b : a));
        layer.receptiveField = widest.receptiveField;
        layer.jump = [inputs.reduce((m, i) => Math.max(m, i.jump[0]), 0), inputs.reduce((m, i) => Math.max(m, i.jump[1]), 0)];
        break;
      }
    }

    const channels = layer.output[layer.output.length - 1];
    if (spec.count) layer.count = count;
    if (weighted) {
      layer.act = act;
      layer.init = init;
      layer.bias = bias;
      layer.fanIn = fanIn;
      layer.fanOut = fanOut;
      layer.weights = count * fanIn;
      layer.biases = bias ? count : 0;
      layer.activationParams = activationParams(act, channels);
      layer.filterPlusOne = fanIn + (bias ? 1 : 0);
      layer.initStd = initStd(init!, act, fanIn, fanOut);
    } else {
      if (spec.params === 'batchnorm') {
        layer.weights = channels;
        layer.biases = channels;
      }
      if (act !== undefined && act !== 'none') {
        layer.act = act;
        layer.activationParams = activationParams(act, channels);
      }
    }
    layer.params = layer.weights + layer.biases + layer.activationParams;
    layer.neurons = layer.output.reduce((a, b) => a * b, 1);
    return layer;
  }

  /** The shape of an `add` or `concat`, or undefined with `shape-mismatch` / `concat-mismatch` on the operand that differs. */
  private merge(scope: Scope, statement: LayerStatement, spec: KindSpec, inputs: Output[]): Shape | undefined {
    const first = inputs[0];
    const refs = this.fromRefs(statement);
    const spanOf = (i: number) => refs[i]?.span ?? statement.keywordSpan;
    if (spec.shape === 'sum') {
      for (let i = 1; i < inputs.length; i++) {
        const other = inputs[i];
        if (!sameShape(first.shape!, other.shape!)) {
          this.report(spanOf(i), 'shape-mismatch',
            `add needs equal shapes, but '${refs[i]?.name ?? shortName(other.name, scope)}' is ${formatShape(other.shape!)} and '${refs[0]?.name ?? shortName(first.name, scope)}' is ${formatShape(first.shape!)}`,
            undefined,
            scope,
          );
          return undefined;
        }
      }
      return first.shape;
    }
    const flat = inputs.every((i) => i.shape!.length === 1);
    if (flat) return [sum(inputs, (i) => i.shape![0])];
    for (let i = 0; i < inputs.length; i++) {
      const shape = inputs[i].shape!;
      const base = first.shape!;
      if (shape.length !== 3 || base.length !== 3 || shape[0] !== base[0] || shape[1] !== base[1]) {
        const what = shape.length !== 3 || base.length !== 3 ? 'maps and flat vectors cannot be joined' : 'they must agree in height and width';
        const k = i === 0 ? 1 : i;
        this.report(spanOf(k), 'concat-mismatch', `concat: '${refs[k]?.name ?? shortName(inputs[k].name, scope)}' is ${formatShape(inputs[k].shape!)} and '${refs[0]?.name ?? shortName(first.name, scope)}' is ${formatShape(base)}; ${what}`, undefined, scope);
        return undefined;
      }
    }
    const [h, w] = first.shape as [number, number, number];
    return [h, w, sum(inputs, (i) => (i.shape as number[])[2])];
  }

  private fromRefs(statement: LayerStatement): NameRef[] {
    const value = statement.pairs.find((p) => p.key === 'from')?.value;
    if (value?.type === 'names') return value.names;
    if (value?.type === 'name') return [{ name: value.name, span: value.span }];
    return [];
  }

  private reportNonInteger(
    statement: LayerStatement,
    scope: Scope,
    input: [number, number, number],
    kernel: [number, number],
    stride: [number, number],
    pad: [number, number],
    raw: [number, number],
    output: [number, number],
    round: Rounding,
  ): void {
    const bad = ([0, 1] as const).filter((a) => !Number.isInteger(raw[a]));
    if (bad.length === 0) return;
    const same = input[0] === input[1] && kernel[0] === kernel[1] && stride[0] === stride[1] && pad[0] === pad[1];
    const axes = same ? [0] : bad;
    const parts = axes.map((a) => {
      const n = input[a];
      const formula = `(${n} + 2·${pad[a]} − ${kernel[a]})/${stride[a]} + 1 = ${formatReal(raw[a])} is not whole`;
      const lines = same ? 'row and column' : a === 0 ? 'row' : 'column';
      const edge = Math.abs((output[a] - 1) * stride[a] + kernel[a] - (n + 2 * pad[a]));
      if (round === 'floor') {
        // Input rows past the last window, less those that are padding.
        const unseen = Math.max(0, edge - pad[a]);
        const plural = unseen > 1 ? lines.replace('row', 'rows').replace('column', 'columns') : lines;
        const verb = unseen > 1 || same ? 'are' : 'is';
        const rest = unseen > 0
          ? `so the last ${unseen > 1 ? `${unseen} ` : ''}${plural} of the ${input[0]}×${input[1]} input ${verb} never seen`
          : `so only padding lies past the last window: every ${lines} of the input is still seen`;
        return `${formula}; frameworks floor it to ${output[a]}, ${rest}`;
      }
      return `${formula}; round=ceil makes it ${output[a]}, so the last window runs ${edge} past the padded edge`;
    });
    this.report(windowSpan(statement), 'non-integer-output', parts.join('. '), undefined, scope);
  }

  private trainLine(statement: TrainStatement): void {
    if (this.trainStatement) {
      this.report(statement.keywordSpan, 'duplicate-statement', `'train' may appear once; it is already on line ${this.trainStatement.span.line + 1}`);
      return;
    }
    this.trainStatement = statement;
    const settings: TrainSettings = {};
    const seen = new Set<KeyName>();
    for (const pair of statement.pairs) {
      const key = canonicalKey(pair.key);
      if (!key || !TRAIN_KEYS.includes(key)) {
        this.unknownKey(pair, TRAIN_KEYS, undefined, this.top);
        continue;
      }
      if (seen.has(key)) {
        this.report(pair.keySpan, 'duplicate-key', `'${key}' is already set on this line`);
        continue;
      }
      seen.add(key);
      const value = this.readValue(pair, key, this.top);
      if (value === undefined) continue;
      const field = key === 'weight_decay' ? 'weightDecay' : key;
      (settings as Record<string, unknown>)[field] = value;
    }
    this.train = settings;
  }

  private checkSoftmaxLast(): void {
    const layers = this.networkLayers;
    layers.forEach((l, i) => {
      if (l.kind === 'softmax' && i < layers.length - 1) {
        this.report(this.layerStatements[i].keywordSpan, 'softmax-not-last', `softmax must be the last layer, but '${layers[i + 1].name}' follows it`);
      }
    });
    // A chain whose last statement could not be computed: the softmax is not last either.
    const known = this.layerList.filter((l) => l.spec && !l.definedIn);
    known.forEach((l, i) => {
      if (l.spec!.kind === 'softmax' && i < known.length - 1 && !l.layer) {
        this.report(l.statement.keywordSpan, 'softmax-not-last', `softmax must be the last layer, but '${known[i + 1].name}' follows it`);
      }
    });
  }

  /** A layer nobody reads, other than the last, is work whose result is thrown away. */
  private checkUnread(): void {
    const layers = this.networkLayers;
    for (const instance of this.instances) {
      const output = this.fullNames.get(instance.outputLayer);
      if (output?.index !== undefined) this.isRead[output.index] = true;
    }
    layers.forEach((l, i) => {
      if (i === layers.length - 1 || this.isRead[i]) return;
      const statement = this.layerStatements[i];
      this.report(statement.labelSpan ?? statement.keywordSpan, 'unused-output', `No layer reads '${l.name}': its output is computed and thrown away (name it in a later from=, or remove it)`);
    });
  }
}

function coverWhole(layer: NetworkLayer, source: Output, size: [number, number]): void {
  const [rf, jump] = [source.receptiveField, source.jump];
  layer.receptiveField = [rf[0] + (size[0] - 1) * jump[0], rf[1] + (size[1] - 1) * jump[1]];
  layer.jump = [jump[0] * size[0], jump[1] * size[1]];
}

function signatureOf(bindings: Map<string, Binding>): string {
  let text = '';
  for (const [name, b] of bindings) text += `${name}=${b.type === 'number' ? b.value : b.type === 'size' ? b.parts.join('x') : `'${b.name}`};`;
  return text;
}

function cloneDefaults(d: LayerDefaults): LayerDefaults {
  return { act: d.act, init: d.init, bias: d.bias };
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A name as the scope sees it: `bn2` inside `layer1.0`, the full name elsewhere. */
function shortName(full: string, scope: Scope): string {
  return scope.prefix && full.startsWith(scope.prefix) ? full.slice(scope.prefix.length) : full;
}

function numberBindings(scope: Pick<Scope, 'bindings'>): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const [name, b] of scope.bindings) if (b.type === 'number') numbers.set(name, b.value);
  return numbers;
}

function toBinding(value: Value): Binding | undefined {
  if (value.type === 'number') return { type: 'number', value: value.value };
  if (value.type === 'size') return { type: 'size', parts: value.parts };
  if (value.type === 'name') return { type: 'name', name: value.name };
  return undefined;
}

function partsBinding(parts: number[]): Binding {
  return parts.length === 1 ? { type: 'number', value: parts[0] } : { type: 'size', parts };
}

function bindingValue(binding: Binding, span: Span): Value {
  if (binding.type === 'number') return { type: 'number', value: binding.value, text: String(binding.value), span };
  if (binding.type === 'size') return { type: 'size', parts: binding.parts, span };
  return { type: 'name', name: binding.name, span };
}

function partsValue(parts: number[], span: Span): Value {
  return parts.length === 1 ? { type: 'number', value: parts[0], text: String(parts[0]), span } : { type: 'size', parts, span };
}

function sum<T>(items: T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

export function toNetworkDiagnostic(d: Diagnostic): NetworkDiagnostic {
  return {
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

/**
 * Where a size that is not whole is squiggled: the written f, s and p, the values in its formula
 * that a fix changes, rather than the kind word (which is not wrong).
 */
function windowSpan(statement: LayerStatement): Span {
  const written = statement.pairs.filter((p) => {
    const key = canonicalKey(p.key);
    return key === 'kernel' || key === 'stride' || key === 'pad';
  });
  if (written.length === 0) return statement.keywordSpan;
  return { line: statement.span.line, start: Math.min(...written.map((p) => p.span.start)), end: Math.max(...written.map((p) => p.span.end)) };
}
