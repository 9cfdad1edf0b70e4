/**
 * The language server: LSP wiring only. Every answer comes from the pure library in ./language.
 * Transport: IPC when VS Code starts it, `--stdio` for any other editor.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DiagnosticSeverity,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findPackage } from '../../runner/src/data/digitPackages';
import { analyzeText, type Analysis, type AnalyzeOptions, type Diagnostic } from './language/analyze';
import { hostMemoryLimit, largestWebGpuBuffer } from '../../runner/src/memory';
import { quickFixes } from './language/codeActions';
import { ALWAYS_AVAILABLE_DATASETS, completion } from './language/completion';
import { format } from './language/formatting';
import { hover } from './language/hover';
import { inlayHints } from './language/inlayHints';
import { definition, foldingRanges, prepareRename, references, rename } from './language/navigation';
import type { Severity } from './language/network';
import { documentSymbols } from './language/symbols';
import { NetworkRequest, TrainingAdapterNotification, type TrainingAdapterParams } from './lspProtocol';
import { SEVERITY_SETTINGS } from './language/diagnosticCodes';


interface Settings {
  diagnostics: { nonIntegerOutput: Severity | 'off' };
  inlayHints: { enabled: boolean };
  /** memoryLimitMiB 0: the runner's own limit (half this machine's memory, or CNN_MEMORY_LIMIT_MB). */
  training: { memoryLimitMiB: number };
}

const DEFAULT_SETTINGS: Settings = { diagnostics: { nonIntegerOutput: 'warning' }, inlayHints: { enabled: true }, training: { memoryLimitMiB: 0 } };

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

// Without an explicit transport (a plain `cnn-language-server`), stdio is what editors expect.
if (!process.argv.some((a) => a === '--stdio' || a.startsWith('--node-ipc') || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  process.argv.push('--stdio');
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const analyses = new Map<string, { version: number; analysis: Analysis }>();
let settings: Settings = DEFAULT_SETTINGS;
let pullConfiguration = false;
/** The adapter the extension's runner trains on (cnn/trainingAdapter); none until it says. */
let trainingAdapter: TrainingAdapterParams | null = null;

/** The defaults with what the client sent over them, section by section. */

/** `cnn.diagnostics.<setting>` re-grades the code the registry names for it. */
function options(): AnalyzeOptions {
  const severity: AnalyzeOptions['severity'] = {};
  for (const [setting, code] of Object.entries(SEVERITY_SETTINGS)) {
    const value = (settings.diagnostics as Record<string, Severity | 'off' | undefined>)[setting];
    if (value !== undefined) severity[code] = value;
  }
  const mib = Number(settings.training?.memoryLimitMiB);
  const adapter = trainingAdapter && { name: trainingAdapter.name, maxBufferBytes: trainingAdapter.maxStorageBufferBindingSize, largestBuffer: largestWebGpuBuffer };
  return { severity, memoryLimit: mib > 0 ? mib * 2 ** 20 : hostMemoryLimit(), adapter: adapter || undefined };
}

function analysisOf(uri: string): Analysis | undefined {
  const document = documents.get(uri);
  if (!document) return undefined;
  const cached = analyses.get(uri);
  if (cached && cached.version === document.version) return cached.analysis;
  const analysis = analyzeText(document.getText(), options(), cached?.analysis);
  analyses.set(uri, { version: document.version, analysis });
  return analysis;
}

function toLsp(d: Diagnostic): LspDiagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'cnn', message: d.message, data: d.data };
}

function publish(uri: string): void {
  const analysis = analysisOf(uri);
  if (analysis) void connection.sendDiagnostics({ uri, diagnostics: analysis.diagnostics.map(toLsp) });
}

/**
 * Settings as an editor sends them: `{ "cnn": { ... } }` (what README shows, and what VS Code's
 * didChangeConfiguration carries) or the section itself (`{ "diagnostics": ... }`).
 */
function sectionOf(value: unknown): Partial<Settings> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const wrapped = (value as { cnn?: unknown }).cnn;
  if (wrapped !== undefined) return sectionOf(wrapped);
  return value as Partial<Settings>;
}

function merged(...layers: (Partial<Settings> | undefined)[]): Settings {
  const result: Settings = { diagnostics: { ...DEFAULT_SETTINGS.diagnostics }, inlayHints: { ...DEFAULT_SETTINGS.inlayHints }, training: { ...DEFAULT_SETTINGS.training } };
  for (const layer of layers) {
    Object.assign(result.diagnostics, layer?.diagnostics);
    Object.assign(result.inlayHints, layer?.inlayHints);
    Object.assign(result.training, layer?.training);
  }
  return result;
}

/** What initializationOptions set: the base that a client answering "no such section" keeps. */
let initialSettings: Partial<Settings> | undefined;

function applySettings(next: Settings): void {
  settings = next;
  analyses.clear();
  for (const document of documents.all()) publish(document.uri);
  connection.languages.inlayHint.refresh().catch(() => undefined);
}

/**
 * Clients that answer workspace/configuration (VS Code, Neovim, Helix) give the `cnn` section, or
 * null where the user set none: then initializationOptions stand, rather than the defaults.
 */
async function loadSettings(): Promise<void> {
  if (!pullConfiguration) return;
  const answer: unknown = await connection.workspace.getConfiguration('cnn');
  applySettings(merged(initialSettings, sectionOf(answer)));
}

connection.onInitialize((params): InitializeResult => {
  pullConfiguration = params.capabilities.workspace?.configuration === true;
  initialSettings = sectionOf(params.initializationOptions);
  settings = merged(initialSettings);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      inlayHintProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      completionProvider: { triggerCharacters: ['=', ':', ' '] },
      documentSymbolProvider: true,
      documentFormattingProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      foldingRangeProvider: true,
    },
    serverInfo: { name: 'cnn-language-server', version: typeof __VERSION__ === 'string' ? __VERSION__ : 'dev' },
  };
});

declare const __VERSION__: string | undefined;

connection.onInitialized(() => void loadSettings());
connection.onNotification(TrainingAdapterNotification, (params) => {
  const valid = params && typeof params.name === 'string' && Number.isFinite(params.maxStorageBufferBindingSize) && params.maxStorageBufferBindingSize > 0;
  trainingAdapter = valid ? { name: params.name, maxStorageBufferBindingSize: params.maxStorageBufferBindingSize } : null;
  applySettings(settings);
});

connection.onDidChangeConfiguration((change) => {
  if (pullConfiguration) {
    void loadSettings();
    return;
  }
  applySettings(merged(initialSettings, sectionOf(change.settings)));
});

/**
 * Typing re-analyses at most once per pause: diagnostics wait until no change has come for
 * DEBOUNCE_MS, and the latest version wins. A request (hover, completion...) analyses the latest
 * text at once, so it never waits for the timer nor sees an older version. A newly opened file is
 * analysed at once.
 */
const DEBOUNCE_MS = 100;
const pending = new Map<string, ReturnType<typeof setTimeout>>();
documents.onDidChangeContent((change) => {
  const uri = change.document.uri;
  clearTimeout(pending.get(uri));
  if (!analyses.has(uri)) {
    pending.delete(uri);
    publish(uri);
    return;
  }
  pending.set(uri, setTimeout(() => {
    pending.delete(uri);
    publish(uri);
  }, DEBOUNCE_MS));
});
documents.onDidClose((event) => {
  clearTimeout(pending.get(event.document.uri));
  pending.delete(event.document.uri);
  analyses.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onHover((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis ? hover(analysis, params.position) : null;
});

connection.languages.inlayHint.on((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis && settings.inlayHints.enabled ? inlayHints(analysis, params.range) : [];
});

connection.onCodeAction((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  if (!analysis) return [];
  return quickFixes(analysis, params.range, options()).map((fix) => ({
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [toLsp(fix.diagnostic)],
    isPreferred: fix.preferred,
    edit: { changes: { [params.textDocument.uri]: fix.edits } },
  }));
});

/** fashion-mnist is offered only where the runner would find its package: beside the file or the server. */
function datasetsFor(uri: string): string[] {
  let folder = __dirname;
  try {
    if (uri.startsWith('file:')) folder = dirname(fileURLToPath(uri));
  } catch {
    // not a path: look beside the server only
  }
  return findPackage('fashion-mnist', folder) ? [...ALWAYS_AVAILABLE_DATASETS, 'fashion-mnist'] : [...ALWAYS_AVAILABLE_DATASETS];
}

connection.onCompletion((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  // Incomplete: the editor asks again at every keystroke instead of filtering the first answer, so
  // a value typed in full (p=1, init=he) gets the empty answer and Enter starts a new line.
  const items = analysis ? completion(analysis, params.position, { datasets: datasetsFor(params.textDocument.uri) }) : [];
  return { isIncomplete: true, items };
});

connection.onDocumentSymbol((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis ? documentSymbols(analysis) : [];
});

connection.onDocumentFormatting((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis ? format(analysis) : [];
});

connection.onDefinition((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis ? definition(analysis, params.position).map((range) => ({ uri: params.textDocument.uri, range })) : [];
});

connection.onReferences((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  if (!analysis) return [];
  return references(analysis, params.position, params.context.includeDeclaration).map((range) => ({ uri: params.textDocument.uri, range }));
});

connection.onPrepareRename((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return (analysis && prepareRename(analysis, params.position)) ?? null;
});

connection.onRenameRequest((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  if (!analysis) return null;
  const result = rename(analysis, params.position, params.newName, options());
  if ('error' in result) return new ResponseError(LSPErrorCodes.RequestFailed, result.error);
  return { changes: { [params.textDocument.uri]: result.edits } };
});

connection.onFoldingRanges((params) => {
  const analysis = analysisOf(params.textDocument.uri);
  return analysis ? foldingRanges(analysis) : [];
});

connection.onRequest(NetworkRequest, (params) => analysisOf(params.uri)?.network ?? null);

documents.listen(connection);
connection.listen();
