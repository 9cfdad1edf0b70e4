/**
 * Syntax tree → Network: each layer's shapes, sizes, counts and init, the totals, and every
 * diagnostic with a stable code. Pure and total: any text gives an answer.
 */
import { canonicalKey, DEFAULTS_KEYS, KEYS, KEY_ALIASES, TRAIN_KEYS, type KeyName } from './keys';
import { kindSpec, KIND_WORDS, type KindSpec } from './layerKinds';
import type {
  Activation,
  Init,
  Network,
  NetworkDiagnostic,
  NetworkLayer,
  Rounding,
  Severity,
  Shape,
  TrainSettings,
} from './network';
import { initStd } from './layerMath';
import { formatReal } from './numbers';
import { parse } from './parser';
import { closest } from './suggest';
import { signalAnalysis } from './variance';
import {
  spanToRange,
  type CnnDocument,
  type InputStatement,
  type KeyValue,
  type LayerStatement,
  type NetworkStatement,
  type Range,
  type Span,
  type TrainStatement,
} from './syntax';

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
}

/** A layer statement with what analysis made of it. */
export interface LayerAnalysis {
  statement: LayerStatement;
  spec?: KindSpec;
  name: string;
  /** The pair that set each key on this line, so fixes can edit it. */
  pairs: Partial<Record<KeyName, KeyValue>>;
  /** Absent when the layer could not be computed (an error on it or before it). */
  layer?: NetworkLayer;
}

export interface Analysis {
  document: CnnDocument;
  network: Network;
  diagnostics: Diagnostic[];
  /** Every layer statement, in order, analysed or not. */
  layers: LayerAnalysis[];
  networkStatement?: NetworkStatement;
  inputStatement?: InputStatement;
  trainStatement?: TrainStatement;
}

export { initStd, negativeSlope } from './layerMath';

interface LayerDefaults {
  act: Activation;
  init: Init;
  bias: boolean;
}

/** `previous`: the analysis of the same document before an edit, whose unchanged lines are reused. */
export function analyzeText(text: string, options: AnalyzeOptions = {}, previous?: Analysis): Analysis {
  return analyze(parse(text, previous?.document), options);
}

export function analyze(document: CnnDocument, options: AnalyzeOptions = {}): Analysis {
  return new Analyzer(document, options).run();
}

class Analyzer {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly layers: LayerAnalysis[] = [];
  private readonly defaults: LayerDefaults = { act: 'relu', init: { kind: 'he' }, bias: true };
  private readonly kindCounts = new Map<string, number>();
  private readonly names = new Map<string, LayerAnalysis>();
  private networkStatement?: NetworkStatement;
  private inputStatement?: InputStatement;
  private trainStatement?: TrainStatement;
  private train?: TrainSettings;
  private input?: Shape;
  /** The shape flowing into the next layer; undefined once it cannot be known. */
  private shape?: Shape;
  private receptiveField: [number, number] = [1, 1];
  private jump: [number, number] = [1, 1];
  private missingInputReported = false;
  private lastName?: string;

  constructor(
    private readonly document: CnnDocument,
    private readonly options: AnalyzeOptions,
  ) {}

  run(): Analysis {
    for (const d of this.document.diagnostics) this.report(d.span, 'error', d.code, d.message);
    this.document.statements.forEach((statement, index) => {
      switch (statement.type) {
        case 'network':
          this.networkLine(statement, index);
          break;
        case 'input':
          this.inputLine(statement);
          break;
        case 'defaults':
          this.defaultsLine(statement.pairs);
          break;
        case 'layer':
          this.layerLine(statement);
          break;
        case 'train':
          this.trainLine(statement);
          break;
      }
    });
    this.checkSoftmaxLast();
    for (const p of signalAnalysis(this.layers.flatMap((l) => (l.layer ? [l.layer] : [])))) {
      const entry = this.layers.find((l) => l.layer === p.layer)!;
      this.report(entry.statement.keywordSpan, 'warning', p.code, p.message);
    }
    if (!this.inputStatement && !this.missingInputReported) {
      const first = this.document.statements[0];
      const span = first ? first.keywordSpan : { line: 0, start: 0, end: 0 };
      this.report(span, 'error', 'missing-input', 'The network needs an input statement, e.g. `input 227x227x3`');
    }
    this.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    const analysed = this.layers.flatMap((l) => (l.layer ? [l.layer] : []));
    const network: Network = {
      network: this.networkStatement?.name,
      input: this.input,
      layers: analysed,
      totals: {
        params: sum(analysed, (l) => l.params),
        neurons: sum(analysed, (l) => (kindSpec(l.kind)!.neurons ? l.neurons : 0)),
        neuronsConvFc: sum(analysed, (l) => (kindSpec(l.kind)!.neuronsConvFc ? l.neurons : 0)),
        macs: sum(analysed, (l) => l.macs),
      },
      train: this.train,
      diagnostics: this.diagnostics.map(toNetworkDiagnostic),
    };
    if (network.network === undefined) delete network.network;
    if (network.input === undefined) delete network.input;
    if (network.train === undefined) delete network.train;
    return {
      document: this.document,
      network,
      diagnostics: this.diagnostics,
      layers: this.layers,
      networkStatement: this.networkStatement,
      inputStatement: this.inputStatement,
      trainStatement: this.trainStatement,
    };
  }

  private report(span: Span, severity: Severity, code: string, message: string, suggestion?: string): void {
    const override = this.options.severity?.[code];
    if (override === 'off') return;
    const diagnostic: Diagnostic = { range: spanToRange(span), severity: override ?? severity, code, message };
    if (suggestion !== undefined) diagnostic.data = { suggestion };
    this.diagnostics.push(diagnostic);
  }

  private networkLine(statement: NetworkStatement, index: number): void {
    if (this.networkStatement) {
      this.report(statement.keywordSpan, 'error', 'duplicate-statement', `'network' may appear once; it is already on line ${this.networkStatement.span.line + 1}`);
      return;
    }
    this.networkStatement = statement;
    if (index > 0) this.report(statement.keywordSpan, 'error', 'statement-order', "'network' must be the first statement");
    if (!statement.name) this.report(statement.keywordSpan, 'error', 'missing-name', "'network' needs a name, e.g. `network alexnet`");
  }

  private inputLine(statement: InputStatement): void {
    if (this.inputStatement) {
      this.report(statement.keywordSpan, 'error', 'duplicate-statement', `'input' may appear once; it is already on line ${this.inputStatement.span.line + 1}`);
      return;
    }
    this.inputStatement = statement;
    if (this.layers.length > 0) {
      this.report(statement.keywordSpan, 'error', 'statement-order', "'input' must come before the first layer");
    }
    const size = statement.size;
    if (!size) {
      this.report(statement.keywordSpan, 'error', 'invalid-input', "'input' needs a size HxWxC, e.g. `input 227x227x3` (a grey image is 28x28x1)");
      return;
    }
    if (size.type !== 'size' || size.parts.length !== 3) {
      const hint = size.type === 'size' && size.parts.length === 2 ? ` (add the channels: ${size.parts.join('x')}x3 for colour, x1 for grey)` : '';
      this.report(size.span, 'error', 'invalid-input', `'input' needs a size HxWxC, e.g. 227x227x3${hint}`);
      return;
    }
    if (size.parts.some((n) => !Number.isSafeInteger(n) || n < 1)) {
      this.report(size.span, 'error', 'invalid-input', `Every side of the input must be at least 1, found ${size.parts.join('x')}`);
      return;
    }
    if (this.layers.length > 0) return;
    this.input = size.parts as Shape;
    this.shape = this.input;
  }

  private defaultsLine(pairs: KeyValue[]): void {
    for (const pair of pairs) {
      const key = canonicalKey(pair.key);
      if (!key || !DEFAULTS_KEYS.includes(key)) {
        this.unknownKey(pair, DEFAULTS_KEYS, key ? `'defaults' sets only ${DEFAULTS_KEYS.join(', ')}; set '${pair.key}' on each layer` : undefined);
        continue;
      }
      const value = this.readValue(pair, key);
      if (value === undefined) continue;
      if (key === 'act') this.defaults.act = value as Activation;
      if (key === 'init') this.defaults.init = value as Init;
      if (key === 'bias') this.defaults.bias = value as boolean;
    }
  }

  private unknownKey(pair: KeyValue, allowed: readonly string[], why?: string): void {
    const words = [...allowed, ...Object.keys(KEY_ALIASES).filter((a) => allowed.includes(KEY_ALIASES[a]))];
    const guesses = closest(pair.key, words);
    const list = allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes no keys';
    const message = why ?? `Unknown key '${pair.key}'${guesses.length ? `: did you mean '${guesses[0]}'?` : ''} (${list})`;
    this.report(pair.keySpan, 'error', 'unknown-key', message, why ? undefined : guesses[0]);
  }

  /** The value, read and checked; undefined (with a diagnostic) when it cannot be used. */
  private readValue(pair: KeyValue, key: KeyName): unknown {
    if (!pair.value) return undefined; // the parser already said what is missing
    const read = KEYS[key].read(pair.value);
    if (!read.ok) {
      const written = pair.value.type === 'name' ? pair.value.name : undefined;
      const guess = written && KEYS[key].values ? closest(written, KEYS[key].values!)[0] : undefined;
      const message = `Invalid ${key}: ${read.message}${guess ? `; did you mean '${guess}'?` : ''}`;
      this.report(pair.value.span, 'error', 'invalid-value', message, guess);
      return undefined;
    }
    return read.value;
  }

  private layerLine(statement: LayerStatement): void {
    const spec = kindSpec(statement.kind);
    const count = (this.kindCounts.get(spec?.kind ?? statement.kind) ?? 0) + 1;
    this.kindCounts.set(spec?.kind ?? statement.kind, count);
    const entry: LayerAnalysis = { statement, spec, name: statement.label ?? `${spec?.kind ?? statement.kind}${count}`, pairs: {} };
    this.layers.push(entry);

    if (this.trainStatement) {
      this.report(statement.keywordSpan, 'error', 'statement-order', `Layers must come before 'train' (line ${this.trainStatement.span.line + 1})`);
    }
    const earlier = this.names.get(entry.name);
    if (earlier) {
      this.report(statement.labelSpan ?? statement.keywordSpan, 'error', 'duplicate-name', `A layer named '${entry.name}' already exists on line ${earlier.statement.span.line + 1}`);
    } else {
      this.names.set(entry.name, entry);
    }
    if (!spec) {
      const guesses = closest(statement.kind, KIND_WORDS);
      this.report(
        statement.keywordSpan,
        'error',
        'unknown-kind',
        `Unknown layer kind '${statement.kind}'${guesses.length ? `: did you mean '${guesses[0]}'?` : ''} (kinds: ${KIND_WORDS.join(', ')})`,
        guesses[0],
      );
      return;
    }
    if (!this.inputStatement && !this.missingInputReported) {
      this.missingInputReported = true;
      this.report(statement.keywordSpan, 'error', 'missing-input', 'An input statement must come before the first layer, e.g. `input 227x227x3`');
    }

    let computable = true;
    const values: Partial<Record<KeyName, unknown>> = {};
    for (const pair of statement.pairs) {
      const key = canonicalKey(pair.key);
      if (!key || !spec.keys.includes(key)) {
        const why = key ? `'${statement.kind}' takes no '${pair.key}'${spec.keys.length ? ` (it takes ${spec.keys.join(', ')})` : ''}` : undefined;
        this.unknownKey(pair, spec.keys, why);
        continue;
      }
      if (entry.pairs[key]) {
        this.report(pair.keySpan, 'error', 'duplicate-key', `'${key}' is already set on this line${pair.key !== key ? ` (${pair.key} is ${key})` : ''}`);
        continue;
      }
      entry.pairs[key] = pair;
      const value = this.readValue(pair, key);
      if (value === undefined) {
        if (key === 'kernel' || key === 'stride' || key === 'pad' || key === 'groups') computable = false;
        continue;
      }
      values[key] = value;
    }

    if (spec.count && statement.count === undefined) {
      const example = spec.kind === 'conv' ? 'conv 96 f=11 s=4' : `${statement.kind} 1000`;
      const countSpan = statement.countSpan ?? statement.keywordSpan;
      // An invalid count was already reported by the parser.
      if (!this.document.diagnostics.some((d) => d.code === 'invalid-count' && d.span.line === statement.span.line)) {
        this.report(countSpan, 'error', 'missing-count', `'${statement.kind}' needs its number of ${spec.count} after the kind, e.g. \`${example}\``);
      }
      computable = false;
    }
    if (!spec.count && statement.count !== undefined) {
      this.report(statement.countSpan!, 'error', 'unexpected-count', `'${statement.kind}' takes no count`);
    }
    for (const required of spec.required) {
      if (!entry.pairs[required]) {
        this.report(statement.keywordSpan, 'error', `missing-${required}`, `'${statement.kind}' needs a ${required}, e.g. \`${statement.kind}${statement.count ? ` ${statement.count}` : ''} ${required}=3\``);
        computable = false;
      }
    }

    if (!computable || !this.shape) {
      // Without this layer's numbers, nothing after it can be computed either.
      this.shape = undefined;
      return;
    }
    entry.layer = this.compute(entry, spec, values, this.shape);
    this.shape = entry.layer?.output;
  }

  private compute(entry: LayerAnalysis, spec: KindSpec, values: Partial<Record<KeyName, unknown>>, input: Shape): NetworkLayer | undefined {
    const statement = entry.statement;
    const act = spec.keys.includes('act') ? ((values.act as Activation | undefined) ?? this.defaults.act) : undefined;
    const init = spec.keys.includes('init') ? ((values.init as Init | undefined) ?? this.defaults.init) : undefined;
    const bias = spec.keys.includes('bias') ? ((values.bias as boolean | undefined) ?? this.defaults.bias) : undefined;

    if (spec.image && input.length !== 3) {
      const before = this.layers.length > 1 ? `'${this.previousName()}' outputs` : 'the input is';
      this.report(statement.keywordSpan, 'error', 'needs-image-input', `'${statement.kind}' needs an H×W×C input, but ${before} a flat vector of ${input[0]}`);
      return undefined;
    }

    // Every key of the contract, in the spec's order, from the start: the JSON reads in that order
    // (undefined keys are left out of it) and every layer object has one shape for the engine.
    const layer: NetworkLayer = {
      name: entry.name, kind: spec.kind, line: statement.span.line + 1, inputs: [this.lastName ?? 'input'], block: undefined, input, inputShapes: undefined, output: input,
      raw: undefined, kernel: undefined, stride: undefined, pad: undefined, round: undefined, groups: undefined,
      count: undefined, neurons: 0, filterPlusOne: undefined, params: 0, weights: 0, biases: 0,
      activationParams: 0, macs: 0, act: undefined, init: undefined, initStd: undefined, bias: undefined,
      rate: undefined, size: undefined, fanIn: undefined, fanOut: undefined, signal: undefined,
      receptiveField: this.receptiveField, jump: this.jump,
    };
    let fanIn = 0;
    let fanOut = 0;
    const count = statement.count ?? 0;

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
          const span = entry.pairs.groups?.value?.span ?? statement.keywordSpan;
          this.report(span, 'error', 'groups-mismatch', `groups=${groups} must divide both the input channels (${c}) and the filters (${count})`);
          return undefined;
        }
        if (spec.kind !== 'conv' && (pad[0] > kernel[0] / 2 || pad[1] > kernel[1] / 2)) {
          const span = entry.pairs.pad?.value?.span ?? statement.keywordSpan;
          this.report(span, 'error', 'pool-pad-too-large', `Pooling padding ${pad.join('x')} is more than half the kernel ${kernel.join('x')}; PyTorch refuses it (pad ≤ ${Math.floor(Math.min(...kernel) / 2)})`);
          return undefined;
        }
        if (spec.kind === 'conv' && (pad[0] >= kernel[0] || pad[1] >= kernel[1])) {
          const span = entry.pairs.pad?.value?.span ?? statement.keywordSpan;
          this.report(span, 'warning', 'pad-too-large', `Padding ${pad.join('x')} is not smaller than the kernel ${kernel.join('x')}: the outermost outputs see only zeros`);
        }
        const raw: [number, number] = [0, 0];
        const output: [number, number] = [0, 0];
        for (const axis of [0, 1] as const) {
          const n = axis === 0 ? h : w;
          const span = n + 2 * pad[axis];
          if (kernel[axis] > span) {
            this.report(
              entry.pairs.kernel?.value?.span ?? statement.keywordSpan,
              'error',
              'output-too-small',
              `The ${kernel[axis]}-wide window does not fit in the ${n} + 2·${pad[axis]} = ${span} ${axis === 0 ? 'rows' : 'columns'} of the input: (${n} + 2·${pad[axis]} − ${kernel[axis]})/${stride[axis]} + 1 = ${formatReal((span - kernel[axis]) / stride[axis] + 1)} < 1`,
            );
            return undefined;
          }
          raw[axis] = (span - kernel[axis]) / stride[axis] + 1;
          output[axis] = round === 'floor' ? Math.floor(raw[axis]) : Math.ceil(raw[axis]);
        }
        this.reportNonInteger(entry, input as [number, number, number], kernel, stride, pad, raw, output, round);
        layer.output = [output[0], output[1], channels];
        layer.raw = raw;
        layer.kernel = kernel;
        layer.stride = stride;
        layer.pad = pad;
        layer.round = round;
        if (spec.kind === 'conv') {
          fanIn = (kernel[0] * kernel[1] * c) / groups!;
          fanOut = kernel[0] * kernel[1] * count;
          layer.groups = groups;
          layer.macs = output[0] * output[1] * count * fanIn;
        }
        layer.receptiveField = [0, 1].map((a) => this.receptiveField[a] + (kernel[a] - 1) * this.jump[a]) as [number, number];
        layer.jump = [0, 1].map((a) => this.jump[a] * stride[a]) as [number, number];
        break;
      }
      case 'global': {
        const [h, w, c] = input as [number, number, number];
        layer.output = [1, 1, c];
        this.coverWhole(layer, [h, w]);
        break;
      }
      case 'dense': {
        const inputs = input.reduce((a, b) => a * b, 1);
        layer.output = [count];
        fanIn = inputs;
        fanOut = count;
        layer.macs = count * inputs;
        if (input.length === 3) this.coverWhole(layer, [input[0], input[1]]);
        break;
      }
      case 'same':
        if (spec.kind === 'dropout') layer.rate = (values.rate as number | undefined) ?? 0.5;
        if (spec.kind === 'lrn') layer.size = (values.size as number | undefined) ?? 5;
        break;
    }

    const channels = layer.output[layer.output.length - 1];
    if (spec.count) layer.count = count;
    if (spec.params === 'weights') {
      layer.act = act;
      layer.init = init;
      layer.bias = bias;
      layer.fanIn = fanIn;
      layer.fanOut = fanOut;
      layer.weights = count * fanIn;
      layer.biases = bias ? count : 0;
      layer.activationParams = act === 'prelu' ? channels : act === 'prelu-shared' ? 1 : 0;
      layer.filterPlusOne = fanIn + (bias ? 1 : 0);
      layer.initStd = initStd(init!, act, fanIn, fanOut);
    } else if (spec.params === 'batchnorm') {
      layer.weights = channels;
      layer.biases = channels;
    }
    layer.params = layer.weights + layer.biases + layer.activationParams;
    layer.neurons = layer.output.reduce((a, b) => a * b, 1);
    this.receptiveField = layer.receptiveField;
    this.jump = layer.jump;
    this.lastName = layer.name;
    return layer;
  }

  /** Layers that see the whole map at once: their unit's field covers the whole input image. */
  private coverWhole(layer: NetworkLayer, size: [number, number]): void {
    layer.receptiveField = [0, 1].map((a) => this.receptiveField[a] + (size[a] - 1) * this.jump[a]) as [number, number];
    layer.jump = [0, 1].map((a) => this.jump[a] * size[a]) as [number, number];
  }

  private previousName(): string {
    const previous = this.layers.slice(0, -1).reverse().find((l) => l.layer);
    return previous?.name ?? 'the previous layer';
  }

  private reportNonInteger(
    entry: LayerAnalysis,
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
          : 'so the last windows skip only padding';
        return `${formula}; frameworks floor it to ${output[a]}, ${rest}`;
      }
      return `${formula}; round=ceil makes it ${output[a]}, so the last window runs ${edge} past the padded edge`;
    });
    const span = entry.statement.keywordSpan;
    this.report(span, 'warning', 'non-integer-output', parts.join('. '));
  }

  private trainLine(statement: TrainStatement): void {
    if (this.trainStatement) {
      this.report(statement.keywordSpan, 'error', 'duplicate-statement', `'train' may appear once; it is already on line ${this.trainStatement.span.line + 1}`);
      return;
    }
    this.trainStatement = statement;
    const settings: TrainSettings = {};
    const seen = new Set<KeyName>();
    for (const pair of statement.pairs) {
      const key = canonicalKey(pair.key);
      if (!key || !TRAIN_KEYS.includes(key)) {
        this.unknownKey(pair, TRAIN_KEYS);
        continue;
      }
      if (seen.has(key)) {
        this.report(pair.keySpan, 'error', 'duplicate-key', `'${key}' is already set on this line`);
        continue;
      }
      seen.add(key);
      const value = this.readValue(pair, key);
      if (value === undefined) continue;
      const field = key === 'weight_decay' ? 'weightDecay' : key;
      (settings as Record<string, unknown>)[field] = value;
    }
    this.train = settings;
  }

  private checkSoftmaxLast(): void {
    const known = this.layers.filter((l) => l.spec);
    known.forEach((l, i) => {
      if (l.spec!.kind === 'softmax' && i < known.length - 1) {
        this.report(l.statement.keywordSpan, 'error', 'softmax-not-last', `softmax must be the last layer, but '${known[i + 1].name}' follows it`);
      }
    });
  }
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

