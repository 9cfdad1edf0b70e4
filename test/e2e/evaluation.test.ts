// The training view's evaluation and Resume in a real VS Code (code-server + chromium), with the real
// runner: LeNet-5 trained on MNIST for one epoch, its confusion matrix (every validation image counted
// once) and gallery of misclassified digits shown with their pictures loaded from the run folder
// (test-results/e2e/12-confusion.png and 13-misclassified.png; docs/images/ with --update-docs); then a
// two-epoch run cancelled in its second epoch and resumed from the view to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_WEBVIEW_MS, WAIT_MS, contributedCommandTitles, e2eSuite, openSettings } from './harness';

const TRAIN = 'CNN: Train model';
/** An MNIST epoch of LeNet-5 on the cpu backend takes 10 to 30 s on a loaded machine; the adapter probe up to 30 s more. */
const EPOCH_MS = 6 * WAIT_MS;

if (!contributedCommandTitles().includes(TRAIN)) {
  test(`"${TRAIN}" shows the evaluation of a run`, () => {
    assert.fail(`"${TRAIN}" is not contributed by package.json: the command this file tests is gone`);
  });
} else {
  e2eSuite('CNN Spec training evaluation and resume in VS Code (code-server)', (session) => {
    test('one MNIST epoch of LeNet-5: the confusion matrix and the misclassified digits with their labels', async () => {
      const s = session();
      await s.openFile('lenet5.cnn', 'c1:');
      // The code lens shows once the extension is active and its commands are in the palette.
      await s.editor().locator('.codelens-decoration', { hasText: 'Train model' }).first().waitFor({ timeout: FIRST_WEBVIEW_MS });
      await s.runCommand(TRAIN);
      const view = s.webview();
      await view.locator('#title', { hasText: 'lenet5.cnn' }).waitFor({ timeout: FIRST_WEBVIEW_MS });
      await s.until('the form filled from the train statement', async () => (await view.locator('#field-epochs').evaluate((e) => (e as HTMLInputElement).value)) === '10');
      await view.locator('#field-epochs input').fill('1');
      await view.locator('#field-backend').evaluate((e) => { (e as HTMLElement & { value: string }).value = 'cpu'; e.dispatchEvent(new Event('change')); });
      await view.locator('#start').click();
      await s.until('the run to finish', async () => /^(Done|Failed)/.test(await view.locator('#progress-text').innerText()), EPOCH_MS);
      assert.match(await view.locator('#progress-text').innerText(), /^Done: 1 epoch/);
      const top1 = Number(/top-1 error (\d+\.\d) %/.exec(await view.locator('#result').innerText())![1]);

      // The matrix: 10 classes, the 2,000 validation digits each counted once, its diagonal the right ones.
      const table = view.locator('#confusion-table');
      await table.waitFor({ state: 'visible', timeout: WAIT_MS });
      const cells = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td:not(.class-error)'), (td) => Number(td.textContent))));
      assert.equal(cells.length, 10);
      assert.ok(cells.every((row) => row.length === 10));
      const total = cells.flat().reduce((a, b) => a + b, 0);
      assert.equal(total, 2000);
      const right = cells.reduce((sum, row, k) => sum + row[k], 0);
      // The result line rounds to a tenth of a point.
      assert.ok(Math.abs(100 * (1 - right / total) - top1) <= 0.05 + 1e-9, `the matrix's error ${100 * (1 - right / total)} % and the result's ${top1} %`);
      assert.match(await table.locator('tbody tr').first().locator('td.class-error').innerText(), /^\d+\.\d % \(\d+\/\d+\)$/);

      // The gallery: 32 pictures read from the run folder, each with its true and predicted label.
      const pictures = view.locator('#mistakes img');
      assert.equal(await pictures.count(), 32);
      await s.until('the pictures to load', async () => (await pictures.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 32))));
      const captions = await view.locator('#mistakes figcaption').allInnerTexts();
      for (const c of captions) {
        const m = /^true (\d) → (\d) · \d+ %$/.exec(c);
        assert.ok(m && m[1] !== m[2], c);
      }
      await s.until('the filters to load', async () => view.locator('#filters').evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));

      await s.runCommand('Notifications: Clear All Notifications');
      await s.runCommand('View: Toggle Maximize Editor Group');
      const scrollTo = (selector: string) => view.locator(selector).evaluate((h) => window.scrollTo(0, (h as HTMLElement).getBoundingClientRect().top + window.scrollY - (document.querySelector('header')?.offsetHeight ?? 0) - 12));
      await scrollTo('#evaluation-heading');
      await s.shot('12-confusion');
      await scrollTo('#mistakes');
      await s.shot('13-misclassified');
      await s.runCommand('View: Toggle Maximize Editor Group');
    });

    test('a run cancelled in its second epoch resumes from the view to the end, with both epochs', async () => {
      const s = session();
      const view = s.webview();
      const progress = view.locator('#progress-text');
      // The first test's run folded the form to its summary line.
      await openSettings(view);
      await view.locator('#field-epochs input').fill('2');
      await view.locator('#start').click();
      await s.until('the second epoch to start', async () => /^Epoch 2\/2 · step/.test(await progress.innerText()), EPOCH_MS);
      await view.locator('#cancel').click();
      await s.until('the run to stop', async () => /^Cancelled after 1 of 2 epochs/.test(await progress.innerText()), WAIT_MS);
      const resume = view.locator('#resume');
      await resume.waitFor({ state: 'visible', timeout: WAIT_MS });
      await resume.click();
      await s.until('the resumed run to finish', async () => /^(Done|Failed)/.test(await progress.innerText()), EPOCH_MS);
      assert.match(await progress.innerText(), /^Done: 2 epochs/);
      assert.match(await view.locator('#result').innerText(), /^Final \(epoch 2\)/);
      assert.equal(await resume.isHidden(), true, 'no Resume for a finished run');
    });
  });
}
