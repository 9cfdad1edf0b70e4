import type { ChildProcess } from 'node:child_process';

export declare const ROOT: string;
export declare const SPEC_DIR: string;
export declare const CACHE_DIR: string;
export declare const LEGACY_CACHE_DIR: string;
export declare function userCacheRoot(env?: NodeJS.ProcessEnv, platform?: string, home?: string): string;
export declare const INSTALL_LOG: string;

export declare class MissingPrerequisite extends Error {
  constructor(what: string, message: string);
  what: string;
}

export declare function isCI(): boolean;
export declare function codeServerVersion(): string;
export declare function findNode24(dir?: string): string | undefined;
export declare function codeServerStatus(): { installed: boolean; node?: string; entry: string; dir: string; reason?: string };
export declare function missingBuildTools(): string[];
export declare function ensureCodeServer(options?: { log?: (line: string) => void }): Promise<{ installed: boolean; node?: string; entry: string; reason?: string }>;
export declare function freePort(): Promise<number>;
export declare const DEFAULT_SETTINGS: Record<string, unknown>;

export interface StartOptions {
  /** Folder to open as the workspace. */
  folder?: string;
  /** .vsix files to install into the fresh extensions folder before starting, in order. */
  vsix?: string | string[];
  /** Added to (and overriding) DEFAULT_SETTINGS in the fresh user settings.json. */
  settings?: Record<string, unknown>;
  port?: number;
  /** Where the fresh profile folder is made (default: the OS temp folder). */
  profileParent?: string;
  /** Keep the profile folder after stop() (for debugging). */
  keepProfile?: boolean;
  startTimeoutMs?: number;
  log?: (line: string) => void;
  /** 'password' (the default): a random password, in CodeServer.password; 'none' lets anyone who can reach the port in. */
  auth?: 'password' | 'none';
}

export interface CodeServer {
  url: string;
  port: number;
  /** The password to sign in with; undefined with auth 'none'. */
  password?: string;
  profile: string;
  logFile: string;
  process: ChildProcess;
  /** The workbench URL opening `folder`, and `file` in an editor when given. */
  workbenchUrl(folder?: string, file?: string): string;
  /** The last 20,000 characters code-server printed. */
  output(): string;
  /** Ends code-server and everything it started; removes the profile folder. */
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export declare function startCodeServer(options: StartOptions): Promise<CodeServer>;
/** Opens a workbench URL, signing in with the server's password when code-server asks for it. */
export declare function openSignedIn(page: import('playwright-core').Page, server: { password?: string }, url: string, timeout?: number): Promise<void>;
export declare function findChromium(): string | undefined;
export declare const CHROMIUM_ARGS: string[];
export declare const chromiumHint: string;
