// "CNN: Compare initialisations and activations" in a real VS Code (code-server + chromium) with the
// real runner: a tiny network, two of the six combinations picked in the quick pick and 2 seeds in
// the next, the four runs trained one after the other; the table across seeds (mean, ± std,
// min–max) and the sentence of what holds read from inside the training webview and checked
// against the Markdown report written beside the runs; the bands saved as test-results/e2e/09-compare.png
// (`npm run test:e2e -- --update-docs` copies it to docs/images/compare.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_WEBVIEW_MS, WAIT_MS, contributedCommandTitles, e2eSuite } from './harness';

const COMPARE = 'CNN: Compare initialisations and activations';
/** Four runs (2 combinations × 2 seeds) of 2 epochs of 512 samples and 1,024 validation images of an 8x8 network take seconds each; the runner's adapter probe up to 30 s more. */
const COMPARE_MS = 6 * WAIT_MS;
const TINY = 'network tiny\ninput 8x8x1\nconv 4 f=3\nfc 10\nsoftmax 4\ntrain dataset=shapes epochs=2 batch=16\n';
// Two inits under one activation: the pair the view's sentence judges.
const PICKED = ['init=gaussian act=relu', 'init=he act=relu'];

if (!contributedCommandTitles().includes(COMPARE)) {
  // A command that disappears is a failure, not a pending todo: it was contributed, and tested here.
  test(`"${COMPARE}" trains the picked combinations and shows their table`, () => {
    assert.fail(`"${COMPARE}" is not contributed by package.json: the command this file tests is gone`);
  });
} else {
  e2eSuite('CNN Spec init/activation comparison in VS Code (code-server)', (session) => {
    test(`"${COMPARE}" on a tiny network with two combinations: live table and curves in the webview, the report beside the runs`, async () => {
      const s = session();
      // In a folder of its own: Quick Open finds a file written just now, the Explorer may not list it yet.
      mkdirSync(join(s.workspace, 'tiny'), { recursive: true });
      writeFileSync(join(s.workspace, 'tiny', 'tiny.cnn'), TINY);
      await s.openFile('tiny/tiny.cnn', 'conv 4');
      // The code lens beside "Train model" offers the same command.
      await s.editor().locator('.codelens-decoration a', { hasText: 'Compare inits' }).first().waitFor({ timeout: WAIT_MS });
      await s.startCommand(COMPARE);

      // All six are picked to begin with; keep two. The pick has checkboxes, the palette has none.
      // The palette may still be in the page, closing, beside it: look only inside the pick.
      const pick = s.page.locator('.quick-input-widget.show-checkboxes').first();
      await pick.waitFor({ state: 'visible', timeout: WAIT_MS });
      const rows = pick.locator('.quick-input-list .monaco-list-row');
      await rows.first().waitFor({ timeout: WAIT_MS });
      assert.equal(await rows.count(), 6);
      await pick.locator('.quick-input-count', { hasText: '6 Selected' }).waitFor({ timeout: WAIT_MS });
      let selected = 6;
      for (const row of await rows.all()) {
        const label = await row.locator('.label-name').first().innerText();
        if (PICKED.includes(label)) continue;
        // The checkbox sits at the row's left edge (an <input> or a custom toggle, by VS Code version).
        await row.click({ position: { x: 16, y: 11 } });
        selected--;
        await pick.locator('.quick-input-count', { hasText: `${selected} Selected` }).waitFor({ timeout: WAIT_MS });
      }
      await pick.locator('.quick-input-count', { hasText: '2 Selected' }).waitFor({ timeout: WAIT_MS });
      // OK, as Enter with the focus on the list would not accept.
      await pick.locator('.monaco-button', { hasText: 'OK' }).first().click();
      // The next pick (the same widget, without checkboxes): seeds per combination, 3 to begin with; take 2.
      const seedsPick = s.page.locator('.quick-input-widget:not(.show-checkboxes)', { hasText: 'Seeds per combination for tiny.cnn' }).first();
      await seedsPick.waitFor({ state: 'visible', timeout: WAIT_MS });
      const seedRows = seedsPick.locator('.quick-input-list .monaco-list-row');
      await seedRows.first().waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await seedRows.locator('.label-name').allInnerTexts(), ['3 seeds', '1 seed', '2 seeds', '5 seeds']);
      await seedRows.filter({ has: s.page.locator('.label-name', { hasText: /^2 seeds$/ }) }).first().click();
      await s.quickInputClosed();

      const view = s.webview();
      await view.locator('#compare-view').waitFor({ state: 'visible', timeout: FIRST_WEBVIEW_MS });
      const table = view.locator('#comparison-table');
      await s.until('a row per picked combination', async () => (await table.locator('tbody tr').count()) === 2);
      await s.until('the status names the seeds', async () => /^Training 2 combinations × 2 seeds \(1, 2\) one after another: \d of 4 runs ended$|^Report: /.test(await view.locator('#comparison-status').innerText()));
      // On the cpu backend the tiny network's four runs can all end before this line: Cancel is
      // checked while they run (test/client/compareInitialisations.test.ts checks it against the real runner).
      if (!/^Report: /.test(await view.locator('#comparison-status').innerText())) {
        assert.equal(await view.locator('#compare-cancel').isVisible(), true, 'Cancel shows while the runs are queued or running');
      }
      const states = new Set<string>();
      await s.until('all four runs to end and the report to be written', async () => {
        for (const cell of await table.locator('tbody tr td:first-child').allInnerTexts()) states.add(cell);
        return /^Report: /.test(await view.locator('#comparison-status').innerText());
      }, COMPARE_MS);
      assert.equal(await view.locator('#compare-cancel').isHidden(), true);

      // Across seeds: mean, ± std and min–max; no top-5 columns (4 classes: top-5 error is always 0).
      const header = await table.locator('thead th').allInnerTexts();
      assert.deepEqual(header, ['state', 'init', 'activation', 'seeds', 'top-1 error', '± std', 'min–max', 'best top-1', 'val loss', 'train loss', 'time/run', 'top-1 error by epoch']);
      const cells = await Promise.all((await table.locator('tbody tr').all()).map((tr) => tr.locator('td').allInnerTexts()));
      assert.deepEqual(cells.map((c) => c.slice(0, 4)), [['done', 'gaussian', 'relu', '2'], ['done', 'he', 'relu', '2']], `states seen: ${[...states].join(', ')}`);
      // A row names the seed it trains while it trains; only checkable when a poll caught one running.
      if ([...states].some((state) => /^epoch/.test(state))) {
        assert.ok([...states].some((state) => /, seed [12] of 2$/.test(state)), `a row said which seed it trained: ${[...states].join(', ')}`);
      }
      for (const c of cells) {
        assert.match(c[4], /^\d+\.\d%$/, 'mean top-1 error');
        assert.match(c[5], /^± \d+\.\d$/, 'standard deviation across seeds');
        assert.match(c[6], /^\d+\.\d–\d+\.\d%$/, 'min–max across seeds');
        assert.match(c[8], /^\d+\.\d{4}$/, 'val loss');
        assert.equal([...c[11]].length, 2, 'a sparkline of two epochs');
      }
      // The resolution, the rule and one sentence for the pair: resolved or not, never more than the runs show.
      assert.match(await view.locator('#comparison-resolution').innerText(), /^Resolution: 1,024 validation images: top-1 error moves in steps of 0\.098 points \(one image\)/);
      assert.match(await view.locator('#comparison-rule').innerText(), /^A difference counts as resolved when/);
      const said = await view.locator('#comparison-conclusions li').allInnerTexts();
      assert.equal(said.length, 1, said.join('\n'));
      assert.match(said[0], /^(He beats gaussian\(0\.01\)|gaussian\(0\.01\) beats He) with ReLU in 2 of 2 seeds by [\d.–]+ points|^(He vs gaussian\(0\.01\)|gaussian\(0\.01\) vs He) with ReLU: not resolved: /);

      // The report beside the runs holds the same rows (without the state column), the sentence, and all four runs.
      const reports = readdirSync(join(s.workspace, 'tiny', '.cnn-runs')).filter((n) => /^compare-tiny-.*\.md$/.test(n));
      assert.equal(reports.length, 1, reports.join(', '));
      const report = readFileSync(join(s.workspace, 'tiny', '.cnn-runs', reports[0]), 'utf8');
      for (const c of cells) assert.ok(report.includes(`| ${c.slice(1).join(' | ')} |`), `${c.join(' | ')} in\n${report}`);
      assert.ok(report.includes(`- ${said[0]}`), `${said[0]} in\n${report}`);
      assert.equal(report.split('## Every run')[1].split('\n').filter((l) => /^\| (gaussian|he) \| relu \| [12] \|/.test(l)).length, 4, report);
      assert.match(await view.locator('#comparison-status').innerText(), new RegExp(`${reports[0].replace(/[.-]/g, '\\$&')}$`));

      // Each combination as a band (min–max across the seeds) around its mean line, named by the combination.
      assert.equal(await view.locator('#compare-view canvas').count(), 2);
      assert.equal(await view.locator('#compare-band-note').isVisible(), true);
      const legend = await view.locator('#compare-view .u-legend').first().innerText();
      for (const name of PICKED) assert.ok(legend.includes(name), `${name} in the legend: ${legend}`);
      assert.ok(!/ (min|max)\b/.test(legend), `the band edges stay out of the legend: ${legend}`);
      const toast = s.page.locator('.notifications-toasts .notification-toast', { hasText: 'Compared 2 combinations of tiny.cnn over 2 seeds' }).first();
      await toast.waitFor({ timeout: WAIT_MS });
      assert.match(await toast.innerText(), /2 trained; lowest mean top-1 error \d+\.\d % with init=\w+ act=\w+/);

      // The README picture: the view alone, full width, the compare section in sight.
      await s.runCommand('Notifications: Clear All Notifications');
      await s.runCommand('View: Toggle Maximize Editor Group');
      await view.locator('#compare-view').evaluate((h) => window.scrollTo(0, (h as HTMLElement).offsetTop - (document.querySelector('header')?.offsetHeight ?? 0) - 12));
      await s.shot('09-compare');
      await s.runCommand('View: Toggle Maximize Editor Group');
    });
  });
}
