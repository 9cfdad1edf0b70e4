// Shared harness for the end-to-end tests: one code-server (VS Code in the browser, with the packaged
// extension installed) and one headless chromium per test file, driven with playwright-core.
//
// Prerequisites (chromium, an installed code-server, the packaged .vsix) are checked when the suite
// is declared. Where one is missing the suite is skipped with a message naming it, except under
// CI=true, where the suite fails instead. `npm run test:e2e` installs code-server and packages the
// extension before it runs these files; run directly, they use what is already there.
//
// No fixed sleeps: every wait is on the DOM (Playwright's auto-waiting locators and expect-style
// polling through waitFor / waitForFunction).
import { after, afterEach, before, describe } from 'node:test';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  ROOT,
  chromiumHint,
  codeServerStatus,
  findChromium,
  isCI,
  openSignedIn,
  startCodeServer,
  type CodeServer,
} from '../../scripts/lib/code-server.mjs';

export { ROOT };
export const SHOTS_DIR = join(ROOT, 'test-results', 'e2e');
export const VSIX = resolve(process.env.CNN_E2E_VSIX ?? join(ROOT, 'dist', 'cnn-spec.vsix'));
/** Time allowed for one thing to appear (VS Code starting, the language server answering). */
export const WAIT_MS = Number(process.env.CNN_E2E_WAIT_MS ?? 30_000);
/**
 * The first webview of a fresh code-server profile registers its service worker before it shows
 * anything: about 10 s on a quiet machine, over 30 s on a loaded one (seen in a CI dry run).
 */
export const FIRST_WEBVIEW_MS = 3 * WAIT_MS;
/** Time allowed for a first file to open (the extension host starting, grammars loading) on a busy machine. */
export const OPEN_MS = 2 * WAIT_MS;
const mod = process.platform === 'darwin' ? 'Meta' : 'Control';

/** Why this machine cannot run the suite, or undefined when it can. */
export function missingPrerequisite(): string | undefined {
  const missing: string[] = [];
  if (!findChromium()) missing.push(chromiumHint);
  const cs = codeServerStatus();
  if (!cs.installed) missing.push(`code-server: ${cs.reason} (\`npm run test:e2e\` installs it)`);
  if (!existsSync(VSIX)) missing.push(`the extension package ${VSIX} is missing (\`npm run package\` builds it; \`npm run test:e2e\` does so first)`);
  return missing.length ? missing.join('; ') : undefined;
}

/** The names of the commands the packaged extension contributes, from the root package.json ("CNN: Show layer table"). */
export function contributedCommandTitles(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const cmds: Array<{ title: string; category?: string }> = pkg.contributes?.commands ?? [];
  return cmds.map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

export class Session {
  constructor(
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    /** A copy of examples/ (edits made by the tests never reach the repository). */
    readonly workspace: string,
    private readonly closer: () => Promise<void>,
  ) {}

  /** Closes chromium, stops code-server (and all it started) and removes the workspace copy. */
  close(): Promise<void> {
    return this.closer();
  }

  /** Saves a screenshot as test-results/e2e/NAME.png and returns its path. */
  async shot(name: string): Promise<string> {
    mkdirSync(SHOTS_DIR, { recursive: true });
    const path = join(SHOTS_DIR, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** The active editor (the one with focus or the last one focused). */
  editor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /**
   * Opens a workspace file and waits for its editor to show `expectText`: a file at the top of the
   * workspace is clicked in the Explorer (as a user would); a deeper one goes through Quick Open (Ctrl+P),
   * whose file search can be slow on a cold start.
   */
  async openFile(relPath: string, expectText?: string | RegExp): Promise<void> {
    const { page } = this;
    // Start from the editor area whatever the last step left focused (a panel, a menu).
    await page.keyboard.press('Escape');
    const base = relPath.split('/').pop()!;
    if (!relPath.includes('/')) {
      const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${base}"]`).first();
      await row.waitFor({ timeout: WAIT_MS });
      await row.click();
    } else {
      await page.keyboard.press(`${mod}+1`);
      await this.quickInput(`${mod}+P`, relPath);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first();
      await row.waitFor({ timeout: WAIT_MS });
      // Click the row rather than press Enter: Enter while the picker is still filtering can pick nothing.
      await row.click();
      await this.quickInputClosed();
    }
    await page.locator(`.tabs-container .tab.active[data-resource-name="${base}"]`).first().waitFor({ timeout: OPEN_MS });
    if (expectText) await this.editor().locator('.view-lines', { hasText: expectText }).waitFor({ timeout: OPEN_MS });
    // Focus the editor (Ctrl+1), as clicking into it would: commands shown `when editorLangId == cnn` need it.
    await page.keyboard.press(`${mod}+1`);
    await page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ timeout: WAIT_MS });
  }

  /** Opens the quick input with `keys` and types `text` into it. */
  async quickInput(keys: string, text: string): Promise<Locator> {
    const { page } = this;
    const input = page.locator('.quick-input-widget input.input').first();
    // A quick input left open (by a failed step) would swallow the keys: close it first.
    if (await input.isVisible()) {
      await page.keyboard.press('Escape');
      await this.quickInputClosed();
    }
    await page.keyboard.press(keys);
    await input.waitFor({ state: 'visible', timeout: WAIT_MS });
    await input.fill(text);
    return input;
  }

  async quickInputClosed(): Promise<void> {
    await this.page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: WAIT_MS });
  }

  /**
   * Whether the command palette lists a command with exactly this title (e.g. "CNN: Show layer table").
   * Leaves the palette closed.
   */
  async hasCommand(title: string): Promise<boolean> {
    const { page } = this;
    await this.quickInput('F1', `>${title}`);
    const rows = page.locator('.quick-input-list .monaco-list-row');
    // Wait until the palette has filtered for this text: a matching row, or the "No matching commands" message.
    const match = rows.filter({ hasText: title }).first();
    const none = page.locator('.quick-input-widget .quick-input-message, .quick-input-widget .quick-input-list .monaco-list-row', { hasText: /No matching commands|No commands matching/ }).first();
    const found = await Promise.race([
      match.waitFor({ timeout: WAIT_MS }).then(() => true),
      none.waitFor({ timeout: WAIT_MS }).then(() => false),
    ]);
    await page.keyboard.press('Escape');
    await this.quickInputClosed();
    return found;
  }

  /**
   * The explorer's row for a file the test has just written. The file watcher shows it; once in many
   * runs it misses the file (written before it starts watching, it seems), and then "Refresh
   * Explorer" shows it, as a user would refresh.
   */
  async explorerRow(name: string): Promise<Locator> {
    const row = this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`).first();
    if (await row.waitFor({ timeout: 5000 }).then(() => false, () => true)) {
      await this.runCommand('File: Refresh Explorer');
      await row.waitFor({ timeout: WAIT_MS });
    }
    return row;
  }

  /** Runs a command from the command palette (F1), by its title as shown there. */
  async runCommand(title: string): Promise<void> {
    await this.startCommand(title);
    await this.quickInputClosed();
  }

  /**
   * Picks a command in the palette without waiting for the palette to close: for a command that
   * opens a quick pick of its own, which can replace the palette before it is ever hidden.
   */
  async startCommand(title: string): Promise<void> {
    const { page } = this;
    await this.quickInput('F1', `>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: WAIT_MS });
    await row.click();
  }

  /** Moves the cursor of the active editor to LINE:COLUMN (1-based) through Go to Line (Ctrl+G). */
  async gotoPosition(line: number, column = 1): Promise<void> {
    await this.editor().click({ position: { x: 5, y: 5 } }).catch(() => {});
    // Go to Line opens the quick input with the ':' prefix; without it, it would search for files.
    await this.quickInput(`${mod}+G`, `:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInputClosed();
    await this.page
      .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line}, Col ${column}\\b`) })
      .first()
      .waitFor({ timeout: WAIT_MS });
  }

  /** The text of the active editor's visible lines, as rendered (inlay hints included). */
  async renderedLine(startsWith: string): Promise<Locator> {
    const line = this.editor().locator('.view-line', { hasText: startsWith }).first();
    await line.waitFor({ timeout: WAIT_MS });
    return line;
  }

  /**
   * Squiggles of a kind ('error' | 'warning' | 'info') that lie on the rendered line starting with
   * `lineText`, counted in one pass over the DOM (squiggles are re-rendered as diagnostics change).
   */
  async squigglesOnLine(kind: 'error' | 'warning' | 'info', lineText: string): Promise<number> {
    await this.renderedLine(lineText);
    return this.editor().evaluate(
      (editor, { kind, lineText }) => {
        // No named helper functions in here: tsx would wrap them in a __name() the page does not have.
        const line = Array.from(editor.querySelectorAll('.view-line')).find((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ').startsWith(lineText));
        if (!line) return 0;
        const box = line.getBoundingClientRect();
        return Array.from(editor.querySelectorAll(`.squiggly-${kind}`)).filter((sq) => {
          const r = sq.getBoundingClientRect();
          const mid = r.top + r.height / 2;
          return r.width > 0 && mid >= box.top && mid <= box.bottom;
        }).length;
      },
      { kind, lineText },
    );
  }

  /** Polls `fn` until it returns true (on the DOM's own state; no fixed sleep), or fails with `what`. */
  async until(what: string, fn: () => Promise<boolean>, timeout = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeout;
    let last: unknown;
    for (;;) {
      try {
        if (await fn()) return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      // Yield to the page until its next animation frame: a DOM-paced poll, not a fixed sleep.
      await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    }
  }

  /** Opens the Problems panel (Ctrl+Shift+M) and returns its rows. */
  async problems(): Promise<Locator> {
    const { page } = this;
    const panel = page.locator('.markers-panel').first();
    if (!(await panel.isVisible())) await page.keyboard.press(`${mod}+Shift+M`);
    await panel.waitFor({ state: 'visible', timeout: WAIT_MS });
    return panel.locator('.monaco-list-row');
  }

  /** Hides the bottom panel (Problems, Output, …) if it shows: Ctrl+J toggles it. */
  async closePanel(): Promise<void> {
    const panel = this.page.locator('.part.panel.bottom').first();
    if (await panel.isVisible()) {
      await this.page.keyboard.press(`${mod}+J`);
      await panel.waitFor({ state: 'hidden', timeout: WAIT_MS });
    }
  }

  /** The innermost frame of the webview that is showing (VS Code nests the content in two iframes). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  }
}

/**
 * Declares a suite that runs against one code-server + chromium, started before its tests and
 * stopped after them. The callback receives a getter for the session.
 */
export function e2eSuite(name: string, body: (session: () => Session) => void): void {
  const missing = missingPrerequisite();
  const skip = missing && !isCI() ? `end-to-end suite not run: ${missing}` : undefined;
  if (skip) console.error(`# ${name}: ${skip}`);
  describe(name, { skip }, () => {
    let session: Session | undefined;
    before(async () => {
      if (missing) throw new Error(`under CI the end-to-end suite must run, and cannot: ${missing}`);
      session = await openSession();
    });
    // The screen as each test left it, pass or fail, for diagnosis: test-results/e2e/last/NAME.png.
    afterEach(async (t) => {
      if (!session) return;
      const name = (t.name ?? 'test').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
      mkdirSync(join(SHOTS_DIR, 'last'), { recursive: true });
      await session.page.screenshot({ path: join(SHOTS_DIR, 'last', `${name}.png`) }).catch(() => {});
    });
    after(async () => {
      await session?.close();
    });
    body(() => {
      if (!session) throw new Error('the VS Code session did not start (see the before hook)');
      return session;
    });
  });
}

export async function openSession(): Promise<Session> {
  const workspace = mkdtempSync(join(tmpdir(), 'cnn-e2e-ws-'));
  cpSync(join(ROOT, 'examples'), join(workspace, 'examples'), { recursive: true });
  const folder = join(workspace, 'examples');
  const server = await startCodeServer({ folder, vsix: VSIX, log: () => {} });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const b = browser;
    const session = new Session(server, browser, context, page, folder, async () => {
      await b.close().catch(() => {});
      await server.stop();
      rmSync(workspace, { recursive: true, force: true });
    });
    // code-server asks for its password first (a random one per start).
    await openSignedIn(page, server, server.workbenchUrl(folder));
    // The workbench is up when the explorer shows the workspace's files.
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    return session;
  } catch (e) {
    await browser?.close().catch(() => {});
    const out = server.output().slice(-3000);
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- code-server output ---\n${out}`);
  }
}

/** The settings form folds to its summary line while a run is shown; a click on the summary opens it. */
export async function openSettings(view: FrameLocator): Promise<void> {
  const settings = view.locator('#settings');
  if (!(await settings.evaluate((d) => (d as HTMLDetailsElement).open))) await settings.locator('summary').click();
}
