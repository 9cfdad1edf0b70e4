/**
 * The extension's one runner process (dist/runner.js): spawned on first use, reused for every job,
 * and spawned again on the next use if it dies. Free of the vscode module so the tests drive it
 * against the real runner in plain Node.
 *
 * The extension host is Electron's Node (or plain Node under code-server); ELECTRON_RUN_AS_NODE
 * makes process.execPath behave as node in the former and is ignored by the latter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { JobCancelResult, JobStartParams, JobStartResult, RunnerInfo } from '../../../runner/src/protocol';
import { parseRunnerInfo, parseRunnerNotification, type RunnerNotification } from './runnerMessages';

export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the runner wrote to stderr: its crash report, if it left one. */
  stderrTail: string;
  /** True when we stopped it (dispose), false when it died on its own. */
  expected: boolean;
}

export interface RunnerProcessOptions {
  runnerPath: string;
  /** Node to run it with; process.execPath by default. */
  execPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where dropped messages and the runner's stderr go (an output channel in the extension). */
  log?: (line: string) => void;
  /** Hears every runner/info answer (what the runner trains on). */
  onInfo?: (info: RunnerInfo) => void;
}

/** How long a failed request waits to see whether the process is exiting. */
const EXIT_WAIT_MS = 500;

/** stderr kept for the exit report: enough for a stack trace. */
const STDERR_TAIL_CHARS = 4000;

type Listener<T> = (value: T) => void;

/**
 * The line of a crash report that says what went wrong ("Error: Cannot find module …"), else its
 * last non-empty line: Node ends a report with its version, which says nothing.
 */
export function stderrSummary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(\w*Error\b|\w+Error:|Error \[)/.test(l)) ?? lines.filter((l) => !/^Node\.js v/.test(l)).at(-1) ?? '';
}

export class RunnerProcess {
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private stderr = '';
  private stopping = false;
  private readonly notificationListeners = new Set<Listener<RunnerNotification>>();
  private readonly exitListeners = new Set<Listener<RunnerExit>>();
  private exited: Promise<void> = Promise.resolve();
  /** How many processes have been spawned, for the "restarted" message and the tests. */
  spawnCount = 0;

  constructor(private readonly options: RunnerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  onNotification(listener: Listener<RunnerNotification>): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  onExit(listener: Listener<RunnerExit>): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private ensure(): MessageConnection {
    if (this.connection) return this.connection;
    this.stopping = false;
    this.stderr = '';
    const child = spawn(this.options.execPath ?? process.execPath, [this.options.runnerPath], {
      cwd: this.options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...(this.options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    this.spawnCount++;
    this.child = child;
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection = connection;
    // A runner that died leaves a closed pipe: writing to it must not become an uncaught error.
    child.stdin!.on('error', (error) => this.log(`runner stdin: ${error.message}`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS);
      this.log(chunk.trimEnd());
    });
    connection.onNotification((method, params) => {
      const parsed = parseRunnerNotification(method, params);
      if ('error' in parsed) {
        this.log(`dropped a runner message: ${parsed.error}`);
        return;
      }
      for (const listener of [...this.notificationListeners]) listener(parsed.ok);
    });
    // Writing to a pipe whose reader died raises here rather than as an unhandled error.
    connection.onError(([error]) => this.log(`runner connection: ${error.message}`));
    connection.listen();
    this.exited = new Promise((resolve) => {
      const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.child !== child) return resolve();
        this.child = undefined;
        this.connection = undefined;
        connection.dispose();
        const exit: RunnerExit = { code, signal, stderrTail: this.stderr.trim(), expected: this.stopping };
        for (const listener of [...this.exitListeners]) listener(exit);
        resolve();
      };
      child.on('exit', onGone);
      child.on('error', (error) => {
        // spawn itself failed (no such executable): there will be no 'exit'.
        this.stderr += `\n${error.message}`;
        if (child.pid === undefined) onGone(child.exitCode, null);
      });
    });
    return connection;
  }

  /** Requests on a connection whose process is dying reject with what happened, not a transport error. */
  private async request<T>(method: string, params?: unknown): Promise<T> {
    const connection = this.ensure();
    const child = this.child;
    const died = () => {
      const why = stderrSummary(this.stderr);
      return new Error(`the runner process exited while answering ${method}${why ? `: ${why}` : ''}`);
    };
    const gone = this.exited;
    const exited = gone.then(() => {
      throw died();
    });
    try {
      return await Promise.race([params === undefined ? connection.sendRequest<T>(method) : connection.sendRequest<T>(method, params), exited]);
    } catch (error) {
      // A dying process fails the request first (disposed connection, closed pipe): if it is gone,
      // or goes in a moment, say that instead of the transport's words.
      const exitedSoon = await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(r, EXIT_WAIT_MS, false))]);
      if (exitedSoon || this.child !== child) throw died();
      throw error;
    }
  }

  async info(): Promise<RunnerInfo> {
    const parsed = parseRunnerInfo(await this.request('runner/info'));
    if ('error' in parsed) throw new Error(parsed.error);
    this.options.onInfo?.(parsed.ok);
    return parsed.ok;
  }

  /** Rejects with the runner's own message (a ResponseError) when it refuses the job. */
  async startJob(params: JobStartParams): Promise<JobStartResult> {
    const result = await this.request<JobStartResult>('job/start', params);
    if (typeof result?.jobId !== 'string' || typeof result.queued !== 'number') throw new Error('job/start answered without a jobId');
    return result;
  }

  async cancelJob(jobId: string): Promise<boolean> {
    if (!this.connection) return false;
    const result = await this.request<JobCancelResult>('job/cancel', { jobId });
    return result?.cancelled === true;
  }

  /** Ends the process: closing stdin makes the runner exit; a kill follows if it does not. */
  async stop(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    this.connection?.dispose();
    child.stdin?.end();
    const timer = setTimeout(() => child.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
