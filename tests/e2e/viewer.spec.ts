// The viewer end to end: every scenario pasted gives the CLI's answer, uploaded files are hashed
// from their exact bytes, the examples and options work, the DOM stays bounded for a 5 MB input,
// and screenshots of the main states (light, dark, phone) are saved for people to look at.
// The `watch` fixture (helpers.ts) fails any test that logs a console error or leaves the origin.
import * as fs from 'node:fs';
import { test, expect, screenshotPath } from './helpers';
import { scenarios, expected, sha256, paste, loadExample, expectVerdict } from './viewer-helpers';

test.describe('scenarios pasted into the panes give the CLI answer', () => {
  for (const s of scenarios()) {
    test(s.name, async ({ page }) => {
      const want = expected(s);
      await page.goto('./');
      await paste(page, 'left', fs.readFileSync(s.left, 'utf8'));
      await paste(page, 'right', fs.readFileSync(s.right, 'utf8'));
      if (want.error) {
        const error = page.locator('.pane').nth(1).getByTestId('error');
        await expect(error).toBeVisible();
        await expect(error).toContainText(/line \d+/);
        await expect(page.locator('.pane').nth(0).getByTestId('error')).toHaveCount(0);
        await expect(page.getByTestId('verdict')).toHaveCount(0);
        await expect(page.locator('.no-verdict')).toContainText('right input could not be read');
        return;
      }
      if (want.verdict) {
        await expectVerdict(page, want.verdict);
      } else {
        // expect.json does not pin a verdict (e.g. link-out-of-range): any verdict, or an error.
        await expect(page.getByTestId('verdict').or(page.getByTestId('error')).first()).toBeVisible();
      }
      const changes = page.getByTestId('change');
      if (want.changes !== undefined) {
        await expect(changes).toHaveCount(want.changes);
      }
      const n = await changes.count();
      if (want.minChanges !== undefined) expect(n, 'changes').toBeGreaterThanOrEqual(want.minChanges);
      if (want.maxChanges !== undefined) expect(n, 'changes').toBeLessThanOrEqual(want.maxChanges);
      if (want.mentions) {
        await expect(
          page.locator('[data-testid="warning"], [data-testid="error"]').filter({ hasText: want.mentions }).first(),
        ).toBeVisible();
      }
      // Both panes describe their input.
      await expect(page.getByTestId('left-kind')).not.toBeEmpty();
      await expect(page.getByTestId('right-digest')).toHaveText(sha256(fs.readFileSync(s.right)));
    });
  }
});

test.describe('files', () => {
  test('an uploaded file is hashed from its exact bytes', async ({ page }) => {
    const [s] = scenarios().filter((x) => x.name === 'chains-vanish');
    await page.goto('./');
    await page.getByTestId('left-file').setInputFiles(s.left);
    await expect(page.getByTestId('left-digest')).toHaveText(sha256(fs.readFileSync(s.left)));
    await expect(page.getByTestId('left-name')).toHaveText('left.json');
    await expect(page.getByTestId('left-kind')).toHaveText('an image config');
    // CRLF line breaks and a byte-order mark do not survive a textarea; the digest must still be
    // of the bytes as uploaded.
    const crlf = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(fs.readFileSync(s.right, 'utf8').replace(/,/g, ',\r\n')),
    ]);
    await page.getByTestId('right-file').setInputFiles({ name: 'crlf.json', mimeType: 'application/json', buffer: crlf });
    await expect(page.getByTestId('right-digest')).toHaveText(sha256(crlf));
    await expect(page.getByTestId('right-name')).toHaveText('crlf.json');
    await expectVerdict(page, 'different');
    await expect(page.getByTestId('warning').filter({ hasText: 'byte-order mark' })).toBeVisible();
  });

  test('clear empties one pane and the answer goes', async ({ page }) => {
    await page.goto('./');
    await loadExample(page, 'env-change');
    await page.getByRole('button', { name: 'Clear the left input' }).click();
    await expect(page.getByTestId('left-input')).toHaveValue('');
    await expect(page.getByTestId('verdict')).toHaveCount(0);
    await expect(page.locator('.no-verdict')).toHaveText('Add the left input to compare.');
    await expect(page.getByTestId('right-digest')).toBeVisible();
  });
});

test.describe('examples', () => {
  test('every example gives a verdict and fills both panes', async ({ page }) => {
    await page.goto('./');
    const buttons = page.getByTestId('example');
    const ids = await buttons.evaluateAll((els) => els.map((e) => e.getAttribute('data-example') ?? ''));
    expect(ids.length).toBeGreaterThanOrEqual(6);
    for (const id of ids) {
      await loadExample(page, id);
      await expect(page.getByTestId('right-name')).toHaveText(`${id}/right.json`);
      const verdict = await page.getByTestId('verdict').getAttribute('data-verdict');
      expect(['identical', 'equivalent', 'different']).toContain(verdict);
      // The example matches its scenario's expectation.
      const want = JSON.parse(fs.readFileSync(`${__dirname}/../fixtures/scenarios/${id}/expect.json`, 'utf8'));
      expect(verdict, id).toBe(want.verdict);
      await expect(page.getByTestId('left-input')).not.toHaveValue('');
    }
  });

  test('an example can be picked with the keyboard', async ({ page }) => {
    await page.goto('./');
    await page.getByTestId('example').first().focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('verdict')).toBeVisible();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('example').nth(1)).toHaveAttribute('aria-pressed', 'true');
  });
});

test.describe('options', () => {
  test('ignore timestamps turns timestamps-only from different to equivalent', async ({ page }) => {
    await page.goto('./');
    await loadExample(page, 'timestamps-only');
    await expectVerdict(page, 'different');
    const box = page.getByTestId('option-ignore-timestamps');
    await box.check();
    await expectVerdict(page, 'equivalent');
    await expect(page.getByTestId('change')).toHaveCount(0);
    await box.uncheck();
    await expectVerdict(page, 'different');
  });

  test('ignore the cache turns chains-vanish equivalent', async ({ page }) => {
    await page.goto('./');
    await loadExample(page, 'chains-vanish');
    await expectVerdict(page, 'different');
    await page.getByLabel('Ignore the cache').check();
    await expectVerdict(page, 'equivalent');
  });

  test('typing after an option change keeps the option', async ({ page }) => {
    await page.goto('./');
    await page.getByTestId('option-ignore-timestamps').check();
    const [s] = scenarios().filter((x) => x.name === 'timestamps-only');
    await paste(page, 'left', fs.readFileSync(s.left, 'utf8'));
    await paste(page, 'right', fs.readFileSync(s.right, 'utf8'));
    await expectVerdict(page, 'equivalent');
  });
});

test.describe('the answer', () => {
  test('chains-vanish: attribution, cache summary, changes with paths', async ({ page }) => {
    await page.goto('./');
    await loadExample(page, 'chains-vanish');
    await expect(page.getByTestId('only-cache-differs')).toContainText('Only the inline cache differs');
    await expect(page.getByTestId('cache-summary')).toContainText('lost its chains');
    const change = page.getByTestId('change').first();
    await expect(change.getByTestId('change-path')).toContainText('/moby.buildkit.cache.v0/records/');
    await expect(change).toContainText('chains');
  });

  test('copy buttons put the digest on the clipboard', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto('./');
    await loadExample(page, 'env-change');
    const digest = await page.getByTestId('left-digest').textContent();
    const button = page.locator('.pane').first().getByRole('button', { name: 'Copy left digest' });
    await button.click();
    await expect(button).toHaveText(/Copied/);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(digest);
    await expect(button).toHaveText(/^Copy$/);
  });

  test('views: side by side, unified, folds expand, raw', async ({ page }) => {
    await page.goto('./');
    await loadExample(page, 'env-change');
    const doc = page.getByTestId('doc-view');
    await expect(doc).toHaveClass(/sbs/);
    await expect(doc.locator('tr.fold').first()).toBeVisible();
    // The changed word of the changed Env line is marked on both sides.
    await expect(doc.locator('td.l-del .w')).not.toHaveCount(0);
    await expect(doc.locator('td.l-ins .w')).not.toHaveCount(0);
    const folds = await doc.locator('tr.fold').count();
    const rows = await doc.locator('tr').count();
    await doc.locator('tr.fold button').first().click();
    await expect(doc.locator('tr.fold')).toHaveCount(folds - 1);
    expect(await doc.locator('tr').count()).toBeGreaterThan(rows);
    await page.getByTestId('layout-unified').check();
    await expect(doc).toHaveClass(/unified/);
    await expect(doc.locator('tr.l-del, tr.l-ins').first()).toBeVisible();
    await page.getByTestId('option-raw').check();
    await expect(page.getByRole('heading', { name: 'Raw inputs' })).toBeVisible();
    await expect(doc).toContainText('moby.buildkit.cache.v0');
    // Registry bytes are one line: the raw view is that line, changed words marked.
    await expect(doc.locator('tr')).toHaveCount(2);
    await expect(doc.locator('.w')).not.toHaveCount(0);
  });

  test('a 5 MB config stays usable and the DOM stays bounded', async ({ page }) => {
    test.setTimeout(120_000);
    const [s] = scenarios().filter((x) => x.name === 'env-change');
    const base = JSON.parse(fs.readFileSync(s.left, 'utf8'));
    const labels: Record<string, string> = {};
    for (let i = 0; i < 50_000; i++) labels[`org.example.label.${i}`] = `value-${i}-${'x'.repeat(60)}`;
    const left = JSON.stringify({ ...base, config: { ...base.config, Labels: labels } });
    const changed = { ...labels };
    for (let i = 0; i < 50_000; i += 10) changed[`org.example.label.${i}`] = `changed-${i}`;
    const right = JSON.stringify({ ...base, config: { ...base.config, Labels: changed } });
    expect(left.length).toBeGreaterThan(5_000_000);
    await page.goto('./');
    const started = Date.now();
    await page.getByTestId('left-file').setInputFiles({ name: 'big-left.json', mimeType: 'application/json', buffer: Buffer.from(left) });
    await page.getByTestId('right-file').setInputFiles({ name: 'big-right.json', mimeType: 'application/json', buffer: Buffer.from(right) });
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-verdict', 'different', { timeout: 60_000 });
    console.log(`5 MB pair: verdict after ${Date.now() - started} ms`);
    await expect(page.getByTestId('change')).toHaveCount(200);
    await expect(page.getByRole('button', { name: /Show more changes/ })).toBeVisible();
    const rows = await page.getByTestId('doc-view').locator('tr').count();
    expect(rows).toBeLessThanOrEqual(2000);
    await expect(page.getByRole('button', { name: /Show more lines/ })).toBeVisible();
    // Options still respond.
    const toggled = Date.now();
    await page.getByTestId('layout-unified').check();
    await expect(page.getByTestId('doc-view')).toHaveClass(/unified/, { timeout: 30_000 });
    console.log(`5 MB pair: layout switched in ${Date.now() - toggled} ms`);
    await page.getByRole('button', { name: /Show more changes/ }).click();
    await expect(page.getByTestId('change')).toHaveCount(400);
  });
});

test.describe('screenshots', () => {
  test('empty, different, equivalent (desktop, light)', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('./');
    await expect(page.getByTestId('example').first()).toBeVisible();
    await page.screenshot({ path: screenshotPath('empty.png'), fullPage: true });
    await loadExample(page, 'chains-vanish');
    await page.screenshot({ path: screenshotPath('different.png'), fullPage: true });
    await loadExample(page, 'tie-renumber');
    await expectVerdict(page, 'equivalent');
    await page.screenshot({ path: screenshotPath('equivalent.png'), fullPage: true });
  });

  test('phone width', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('./');
    await loadExample(page, 'chains-vanish');
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('phone-different.png'), fullPage: true });
  });

  test('dark mode', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('./');
    await loadExample(page, 'chains-vanish');
    await page.screenshot({ path: screenshotPath('dark-different.png'), fullPage: true });
    await page.getByTestId('layout-unified').check();
    await page.getByTestId('doc-view').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('dark-unified.png'), fullPage: true });
  });
});

test.describe('drag and drop', () => {
  test('a file dropped on a pane is loaded from its exact bytes', async ({ page }) => {
    await page.goto('./');
    const text = '{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]}}\r\n';
    const dt = await page.evaluateHandle((t) => {
      const d = new DataTransfer();
      d.items.add(new File([t], 'dropped.json', { type: 'application/json' }));
      return d;
    }, text);
    const pane = page.locator('.pane').nth(1);
    await pane.dispatchEvent('dragover', { dataTransfer: dt });
    await expect(pane).toHaveClass(/dragging/);
    await pane.dispatchEvent('drop', { dataTransfer: dt });
    await expect(pane).not.toHaveClass(/dragging/);
    await expect(page.getByTestId('right-name')).toHaveText('dropped.json');
    await expect(page.getByTestId('right-digest')).toHaveText(sha256(text));
    await expect(page.getByTestId('right-kind')).toHaveText('an image config');
  });

  test('a file dragged off a pane onto the rest of the page is no longer shown as over it', async ({ page }) => {
    await page.goto('./');
    const pane = page.locator('.pane').nth(0);
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['{}'], 'x.json', { type: 'application/json' }));
      return d;
    });
    await pane.dispatchEvent('dragover', { dataTransfer: dt });
    await expect(pane).toHaveClass(/dragging/);
    // Onto a child of the pane: still over it.
    await pane.evaluate((el, d) => {
      const child = el.querySelector('textarea');
      el.dispatchEvent(new DragEvent('dragleave', { bubbles: true, dataTransfer: d, relatedTarget: child }));
    }, dt);
    await expect(pane).toHaveClass(/dragging/);
    // Onto the page's heading, outside the pane but inside the app.
    await pane.evaluate((el, d) => {
      const heading = document.querySelector('h1');
      el.dispatchEvent(new DragEvent('dragleave', { bubbles: true, dataTransfer: d, relatedTarget: heading }));
    }, dt);
    await expect(pane).not.toHaveClass(/dragging/);
  });

  test('the same bytes on both sides are identical', async ({ page }) => {
    await page.goto('./');
    const [s] = scenarios().filter((x) => x.name === 'env-change');
    const text = fs.readFileSync(s.left, 'utf8');
    await paste(page, 'left', text);
    await paste(page, 'right', text);
    await expectVerdict(page, 'identical');
    await expect(page.getByTestId('change')).toHaveCount(0);
  });
});
