// The end-to-end checks again, through the VS Code API, inside the extension host of a desktop VS Code
// started by @vscode/test-electron (scripts/test-desktop.mjs). Bundled to out/desktop/suite.js; the
// extension host calls run(). A small sequential runner of its own: no test framework in the host.
//
// The workspace is a copy of examples/ (CNN_DESKTOP_WORKSPACE), so the quick fix edits a copy.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';

const WAIT_MS = Number(process.env.CNN_E2E_WAIT_MS ?? 30_000);
const EXTENSION_ID = 'cnn-spec.cnn-spec';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'VS Code was started without the examples workspace');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Calls `fn` whenever diagnostics, documents or visible editors change, until it returns a value. */
function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeout = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const subs: vscode.Disposable[] = [];
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      subs.forEach((s) => s.dispose());
      if (err) reject(err);
      else resolve(value as T);
    };
    const check = async () => {
      if (done) return;
      try {
        const v = await fn();
        if (v !== undefined && v !== false) finish(undefined, v);
      } catch {
        // not yet: the provider may not be registered until the server has started
      }
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeout} ms waiting for ${what}`)), timeout);
    // Providers answer on request; events cover diagnostics, and a slow poll covers the language server starting.
    const poll = setInterval(() => void check(), 250);
    subs.push(
      vscode.languages.onDidChangeDiagnostics(() => void check()),
      vscode.workspace.onDidChangeTextDocument(() => void check()),
      vscode.window.tabGroups.onDidChangeTabs(() => void check()),
    );
    void check();
  });
}

async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
  assert.equal(doc.languageId, 'cnn', `${name} should open as a CNN spec file`);
  return vscode.window.showTextDocument(doc);
}

function lineOf(doc: vscode.TextDocument, prefix: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.startsWith(prefix)) return i;
  throw new Error(`${doc.uri.fsPath} has no line starting with "${prefix}"`);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

const num = (n: number) => new RegExp(n.toLocaleString('en-US').replace(/,/g, '[,\\u202f\\u00a0 ]?'));
const shape = (...dims: number[]) => new RegExp(dims.join('\\s*[×x]\\s*'));
const nonInteger = (uri: vscode.Uri, line: number) =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.range.start.line === line && String(typeof d.code === 'object' ? d.code.value : d.code) === 'non-integer-output');
const webviewTabs = (viewType: string) =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));

const checks: Array<[string, () => Promise<void>]> = [
  ['the extension is installed and activates on a .cnn file', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    await open('alexnet-coursework.cnn');
    await until('the extension to activate', () => ext.isActive || undefined);
  }],
  ['hover on conv2 shows 86,528 neurons and 221,312 parameters', async () => {
    const editor = await open('alexnet-coursework.cnn');
    const pos = new vscode.Position(lineOf(editor.document, 'conv2:'), 1);
    const text = await until('a hover with the numbers', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos));
      return num(86528).test(t) ? t : undefined;
    });
    assert.match(text, num(221312));
  }],
  ['inlay hints give conv1 its output shape 55×55×48', async () => {
    const editor = await open('alexnet-coursework.cnn');
    const line = lineOf(editor.document, 'conv1:');
    const range = new vscode.Range(line, 0, line, editor.document.lineAt(line).text.length);
    await until('an inlay hint 55×55×48 on conv1', async () => {
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', editor.document.uri, range);
      const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
      return labels.some((l) => shape(55, 55, 48).test(l)) || undefined;
    });
  }],
  ['alexnet-224: a non-integer-output warning on conv1, fixed by "Set input to 227x227x3"', async () => {
    const editor = await open('alexnet-224.cnn');
    const uri = editor.document.uri;
    const line = lineOf(editor.document, 'conv1:');
    const [diag] = await until('the non-integer-output warning on conv1', () => {
      const d = nonInteger(uri, line);
      return d.length ? d : undefined;
    });
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Warning);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => /input to 227\s*x\s*227\s*x\s*3/.test(a.title));
    assert.ok(fix, `quick fixes offered: ${actions.map((a) => a.title).join(' | ')}`);
    assert.match(fix.title, shape(55, 55, 48));
    if (fix.edit) assert.ok(await vscode.workspace.applyEdit(fix.edit), 'the quick fix edit was not applied');
    if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    assert.match(editor.document.getText(), /^input 227x227x3$/m);
    await until('the conv1 warning to go', () => nonInteger(uri, line).length === 0 || undefined);
  }],
  ['"CNN: Show layer table" opens the layer table view', async () => {
    await open('alexnet-coursework.cnn');
    await vscode.commands.executeCommand('cnn.showLayerTable');
    const [tab] = await until('a layer table tab', () => {
      const t = webviewTabs('cnn.layerTable');
      return t.length ? t : undefined;
    });
    assert.match(tab.label, /alexnet-coursework/);
  }],
  ['"CNN: Train model" opens the training view', async () => {
    const all = await vscode.commands.getCommands(true);
    assert.ok(all.includes('cnn.trainModel'), 'the command cnn.trainModel is not registered');
    await open('lenet5.cnn');
    await vscode.commands.executeCommand('cnn.trainModel');
    const [tab] = await until('a training tab', () => {
      const t = webviewTabs('cnn.train');
      return t.length ? t : undefined;
    });
    assert.match(tab.label, /lenet5/);
  }],
];

export async function run(): Promise<void> {
  const results: Array<{ name: string; ok: boolean; ms: number; error?: string }> = [];
  for (const [name, fn] of checks) {
    const t0 = Date.now();
    try {
      await fn();
      results.push({ name, ok: true, ms: Date.now() - t0 });
      console.log(`ok - ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      results.push({ name, ok: false, ms: Date.now() - t0, error });
      console.log(`not ok - ${name}\n  ${error.replace(/\n/g, '\n  ')}`);
    }
  }
  if (process.env.CNN_DESKTOP_RESULT) writeFileSync(process.env.CNN_DESKTOP_RESULT, JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok);
  console.log(`${results.length - failed.length}/${results.length} desktop checks passed`);
  if (failed.length) throw new Error(`${failed.length} desktop check(s) failed: ${failed.map((f) => f.name).join('; ')}`);
}
