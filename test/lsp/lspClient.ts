/** A minimal LSP client for tests: spawns the built server and speaks JSON-RPC to it over stdio. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; severity: number; code: string; message: string; data?: unknown }[];
}

export class LspClient {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  readonly stderr: string[] = [];
  private readonly waiters: { uri: string; resolve: (d: PublishedDiagnostics) => void }[] = [];
  readonly latest = new Map<string, PublishedDiagnostics>();

  constructor(serverPath = 'dist/server.js', execArgv: string[] = []) {
    this.process = spawn(process.execPath, [...execArgv, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk) => this.stderr.push(String(chunk)));
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishedDiagnostics) => {
      this.latest.set(params.uri, params);
      const waiting = this.waiters.filter((w) => w.uri === params.uri);
      for (const w of waiting) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(params);
      }
    });
    this.connection.listen();
  }

  /** With `configuration`, the client says it answers workspace/configuration, as Neovim and Helix do. */
  async initialize(initializationOptions?: unknown, configuration?: (section: string | undefined) => unknown): Promise<{ capabilities: Record<string, unknown> }> {
    if (configuration) {
      this.connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => params.items.map((item) => configuration(item.section)));
    }
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        textDocument: { hover: { contentFormat: ['markdown'] }, inlayHint: {}, codeAction: {} },
        ...(configuration ? { workspace: { configuration: true } } : {}),
      },
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** The next diagnostics the server publishes for `uri`. */
  nextDiagnostics(uri: string): Promise<PublishedDiagnostics> {
    return new Promise((resolve) => this.waiters.push({ uri, resolve }));
  }

  async open(uri: string, text: string, version = 1): Promise<PublishedDiagnostics> {
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'cnn', version, text } });
    return published;
  }

  async replace(uri: string, text: string, version: number): Promise<PublishedDiagnostics> {
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return published;
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest<T>(method, params);
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.process.once('exit', (code) => resolve(code)));
    if (this.process.exitCode === null) {
      await this.connection.sendRequest('shutdown').catch(() => undefined);
      await this.connection.sendNotification('exit').catch(() => undefined);
    }
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => { this.process.kill(); r(null); }, 3000))]);
    this.connection.dispose();
    return code;
  }

  /** The server process's peak resident memory so far (VmHWM) in bytes; undefined where /proc is missing (not Linux). */
  peakMemoryBytes(): number | undefined {
    try {
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.process.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }
}

export function uriOf(path: string): string {
  return pathToFileURL(resolve(path)).toString();
}
