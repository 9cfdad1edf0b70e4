/**
 * Every diagnostic code the language reports: its severity, what it means, and the quick fix the
 * editor offers for it. The analysis takes each code's severity from here, the server's settings
 * name the codes they override, and docs/language.md's table is checked against this list.
 */
import type { Severity } from './network';

export interface DiagnosticCode {
  severity: Severity;
  /** One line for the docs: when it is reported. */
  summary: string;
  /** The quick fix offered, when there is one. */
  fix?: string;
}

export const DIAGNOSTIC_CODES = {
  'syntax-error': { severity: 'error', summary: 'A line that cannot be read (an unexpected character, a missing `)`, a digit separator).' },
  'missing-kind': { severity: 'error', summary: 'A label without a layer kind after it (`conv1:`).' },
  'missing-name': { severity: 'error', summary: '`network` or `block` without its name.' },
  'expected-equals': { severity: 'error', summary: 'A key without `=VALUE`.' },
  'missing-value': { severity: 'error', summary: '`key=` with nothing after it.' },
  'missing-input': { severity: 'error', summary: 'No `input` statement before the first layer.' },
  'invalid-input': { severity: 'error', summary: '`input` is not a size HxWxC of whole numbers of at least 1.' },
  'duplicate-statement': { severity: 'error', summary: '`network`, `input` or `train` appears twice.' },
  'statement-order': { severity: 'error', summary: 'A statement out of place: `network` not first, `input` after a layer, a layer after `train`, `input`/`train` inside a block.' },
  'unknown-kind': { severity: 'error', summary: 'A word in the kind position that is no layer kind (with "did you mean").', fix: 'Replace it with the suggested kind.' },
  'unknown-key': { severity: 'error', summary: 'A key the statement does not take (with "did you mean").', fix: 'Replace it with the suggested key.' },
  'duplicate-key': { severity: 'error', summary: 'The same key twice on one line (`f` and `kernel` count as one).' },
  'invalid-value': { severity: 'error', summary: 'A value a key does not accept, or `from=` naming several layers on a kind that reads one.', fix: 'Replace a misspelt word with the suggestion.' },
  'missing-count': { severity: 'error', summary: 'conv, fc or softmax without its number of filters, units or classes.', fix: 'Add a count.' },
  'invalid-count': { severity: 'error', summary: 'A count that is not a whole number of at least 1.' },
  'unexpected-count': { severity: 'error', summary: 'A count on a kind that takes none, or a second one.' },
  'missing-kernel': { severity: 'error', summary: 'conv or pooling without `kernel` (`f`).', fix: 'Add f=3 (conv) or f=2 (pooling).' },
  'duplicate-name': { severity: 'error', summary: 'A layer, block or parameter name used twice in one scope, or a name listed twice in `from=`.' },
  'invalid-name': { severity: 'error', summary: 'A block named like a layer kind, or a parameter named `in`, `from` or `repeat`.' },
  'groups-mismatch': { severity: 'error', summary: '`groups` does not divide both the input channels and the filters.' },
  'pool-pad-too-large': { severity: 'error', summary: 'Pooling padding above half the kernel (PyTorch refuses it).' },
  'pad-too-large': { severity: 'warning', summary: 'conv padding not smaller than the kernel: the outermost outputs see only zeros.' },
  'output-too-small': { severity: 'error', summary: 'The window is larger than the padded input: (n + 2p − f)/s + 1 < 1.' },
  'non-integer-output': { severity: 'warning', summary: '(n + 2p − f)/s + 1 is not whole: frameworks floor it and the last rows are never seen.', fix: 'The nearest pad, stride, kernel or (first layer) input size that makes it whole, each title saying the output it gives.' },
  'needs-image-input': { severity: 'error', summary: 'conv, pooling or lrn after a flat vector.' },
  'softmax-not-last': { severity: 'error', summary: 'A softmax that is not the last layer.' },
  'vanishing-signal': { severity: 'warning', summary: 'The forward or backward variance product at initialisation (He et al. 2015) falls below 1e-3.', fix: 'Use init=he or init=xavier, the title giving the resulting products.' },
  'exploding-signal': { severity: 'warning', summary: 'The forward or backward variance product at initialisation rises above 1e3.', fix: 'Use init=he or init=xavier, the title giving the resulting products.' },
  'unknown-layer': { severity: 'error', summary: 'A name in `from=` that is no layer above the line in its scope (with "did you mean").' },
  'missing-from': { severity: 'error', summary: '`add` or `concat` without two or more names in `from=`.' },
  'shape-mismatch': { severity: 'error', summary: '`add` operands of different shapes, naming both.', fix: 'Project the operand that differs with a 1x1 convolution (and batchnorm where the file uses it), right in every instance.' },
  'concat-mismatch': { severity: 'error', summary: '`concat` operands that differ in height or width, or maps mixed with flat vectors.' },
  'unknown-block': { severity: 'error', summary: 'A use of a block that is not defined above (with "did you mean", or where it is defined below).' },
  'block-arguments': { severity: 'error', summary: 'A block use with a missing, unknown, extra or repeated argument.' },
  'recursive-block': { severity: 'error', summary: 'A block that uses itself.' },
  'nested-block': { severity: 'error', summary: 'A block defined inside another block.' },
  'unclosed-block': { severity: 'error', summary: 'A block without `end`.' },
  'unmatched-end': { severity: 'error', summary: '`end` with no block open.' },
  'unknown-parameter': { severity: 'error', summary: 'Arithmetic naming something that is not a parameter of the block (with "did you mean").' },
  'not-whole': { severity: 'error', summary: 'A division in block arithmetic that is not whole, or divides by 0.' },
  'too-large': { severity: 'error', summary: 'A block use that expands to more than 250,000 layers, or an input, layer or total past 2^53 (counted exactly no more).' },
  'too-many-diagnostics': { severity: 'error', summary: 'More than 1,000 diagnostics in a file: the rest are left out and counted here (a warning when none of them is an error).' },
  'training-memory': { severity: 'warning', summary: "The `train` statement's batch needs more training memory (docs/memory.md) than the trainer may use (`cnn.training.memoryLimitMiB`, else half this machine's memory, as the runner allows), or, in VS Code once the runner has said it trains on a WebGPU adapter, one buffer larger than that adapter can bind. Says the batch that fits." },
  'unused-output': { severity: 'warning', summary: 'A layer, other than the last, whose output no layer reads.' },
  'unused-block': { severity: 'hint', summary: 'A block that is never used (its layers are not checked).' },
} satisfies Record<string, DiagnosticCode>;

export type Code = keyof typeof DIAGNOSTIC_CODES;

export function severityOf(code: string): Severity {
  return (DIAGNOSTIC_CODES as Record<string, DiagnosticCode>)[code]?.severity ?? 'error';
}

/** The codes a user can re-grade in the settings, and the setting that does it. */
export const SEVERITY_SETTINGS: Record<string, Code> = { nonIntegerOutput: 'non-integer-output' };

/** docs/language.md's table of codes, generated from this registry (`npm run docs`). */
export function diagnosticCodesMarkdown(): string {
  const rows = Object.entries(DIAGNOSTIC_CODES as Record<string, DiagnosticCode>).map(([code, d]) => {
    const setting = Object.entries(SEVERITY_SETTINGS).find(([, c]) => c === code)?.[0];
    const when = `${d.summary}${setting ? ` Severity set by \`cnn.diagnostics.${setting}\`.` : ''}`;
    return `| \`${code}\` | ${d.severity} | ${when} | ${d.fix ?? ''} |`;
  });
  return ['| code | severity | when | quick fix |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
