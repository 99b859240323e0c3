// Issue #19, "right and easy in the hands of a new user" (points 5-11): the verdict comes into
// view after an example, a paste or a file (focus stays put; a live region says it); a reload
// keeps both inputs (this tab only), Clear can be undone, the sides swap; an expanded fold keeps
// the focus and folds again; two files of the same name are told apart in the panes and the
// Markdown report; archive comparisons have a share link and a Markdown report; every layer
// digest is whole and copyable at phone width; help is reachable from an empty pane; axe-core
// finds nothing on first load, a diff and an archive. Saves screenshots/verdict-1280.png,
// verdict-390.png, layers-390.png, help.png.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, screenshotPath, test } from './helpers';
import { ociImage, sha } from './image-helpers';
import { expectVerdict, loadExample, paste, scenarios, shareDictionary } from './viewer-helpers';
import * as fs from 'fs';
import * as zlib from 'zlib';

const scenario = (name: string) => scenarios().filter((s) => s.name === name)[0];

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe on ${what}`).toEqual([]);
}

for (const [width, height] of [
  [1280, 800],
  [390, 844],
]) {
  test(`at ${width}x${height} the verdict comes into view after an example and a paste, focus untouched`, async ({ page, browser }) => {
    await page.setViewportSize({ width, height });
    await page.goto('./');
    const verdict = page.getByTestId('verdict');
    const example = page.locator('[data-testid="example"][data-example="chains-vanish"]');
    await example.click();
    await expect(verdict).toBeInViewport();
    await expect(example).toBeFocused();
    // The live region carries the verdict in words, for screen readers.
    const live = page.locator('[aria-live="polite"]').filter({ has: verdict });
    await expect(live).toContainText('Different');
    await page.screenshot({ path: screenshotPath(`verdict-${width}.png`) });

    // Typing in a fresh tab: the first verdict appears in view, the focus stays in the textarea.
    const tab = await (await browser.newContext()).newPage();
    await tab.setViewportSize({ width, height });
    await tab.goto('./');
    const s = scenario('env-change');
    await paste(tab, 'left', fs.readFileSync(s.left, 'utf8'));
    const right = tab.getByTestId('right-input');
    await right.focus();
    await right.fill(fs.readFileSync(s.right, 'utf8'));
    await expectVerdict(tab, 'different');
    await expect(tab.getByTestId('verdict')).toBeInViewport();
    await expect(right).toBeFocused();

    // A paste (Ctrl+V) over a compared input brings the new verdict into view too.
    await tab.evaluate(() => window.scrollTo(0, 0));
    await expect(tab.getByTestId('verdict')).not.toBeInViewport();
    await tab.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await tab.evaluate((t) => navigator.clipboard.writeText(t), fs.readFileSync(s.left, 'utf8'));
    await right.focus();
    await tab.keyboard.press('ControlOrMeta+A');
    await tab.keyboard.press('ControlOrMeta+V');
    await expectVerdict(tab, 'identical');
    await expect(tab.getByTestId('verdict')).toBeInViewport();
    await expect(right).toBeFocused();
    await tab.context().close();
  });
}

test('a reload keeps both inputs in this tab; Clear can be undone; the sides swap', async ({ page }) => {
  await page.goto('./');
  await loadExample(page, 'chains-vanish');
  await paste(page, 'right', fs.readFileSync(scenario('chains-vanish').right, 'utf8'));
  await expectVerdict(page, 'different');
  const left = await page.getByTestId('left-input').inputValue();
  const right = await page.getByTestId('right-input').inputValue();
  // Kept in sessionStorage (the tab), never in the address.
  await expect.poll(() => page.evaluate(() => sessionStorage.getItem('cachelens.session'))).not.toBeNull();
  expect(page.url()).not.toContain('#');
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await page.reload();
  await expect(page.getByTestId('left-input')).toHaveValue(left);
  await expect(page.getByTestId('right-input')).toHaveValue(right);
  await expect(page.getByTestId('left-name')).toHaveText('chains-vanish/left.json');
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('session-note')).toContainText('stay in this tab only');

  // Clear, then Undo.
  await page.getByLabel('Clear the left input').click();
  await expect(page.getByTestId('left-input')).toHaveValue('');
  await expect(page.getByTestId('verdict')).toHaveCount(0);
  await page.getByTestId('left-undo').click();
  await expect(page.getByTestId('left-input')).toHaveValue(left);
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('left-undo')).toHaveCount(0);

  // Swap: what was removed is now added.
  const removed = await page.locator('[data-testid="change"].op-remove').count();
  expect(removed).toBeGreaterThan(0);
  await page.getByTestId('swap').click();
  await expect(page.getByTestId('left-input')).toHaveValue(right);
  await expect(page.getByTestId('right-input')).toHaveValue(left);
  await expect(page.locator('[data-testid="change"].op-add')).toHaveCount(removed);
  await expect(page.locator('[data-testid="change"].op-remove')).toHaveCount(0);

  // A new tab (its own sessionStorage) starts empty.
  const other = await page.context().newPage();
  await other.goto('./');
  await expect(other.getByTestId('app')).toBeVisible();
  await expect(other.getByTestId('left-input')).toHaveValue('');
  await other.close();
});

test('an expanded fold keeps the focus and folds again', async ({ page }) => {
  await page.goto('./');
  await loadExample(page, 'chains-vanish');
  const folds = page.getByTestId('fold');
  const n = await folds.count();
  expect(n).toBeGreaterThan(0);
  const rows = await page.locator('[data-testid="doc-view"] tr').count();
  await folds.first().click();
  const again = page.getByTestId('fold-again');
  await expect(again).toBeFocused();
  await expect(folds).toHaveCount(n - 1);
  expect(await page.locator('[data-testid="doc-view"] tr').count()).toBeGreaterThan(rows);
  // Keyboard: fold it again with Enter; the focus goes to the fold's button.
  await page.keyboard.press('Enter');
  await expect(again).toHaveCount(0);
  await expect(folds).toHaveCount(n);
  await expect(folds.first()).toBeFocused();
  await expect(page.locator('[data-testid="doc-view"] tr')).toHaveCount(rows);
});

test('two files of the same name show their short digest and size, in the panes and the report', async ({ page }) => {
  const s = scenario('registry-renumber');
  const [l, r] = [fs.readFileSync(s.left), fs.readFileSync(s.right)];
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'cacheconfig.json', mimeType: 'application/json', buffer: l });
  await page.getByTestId('right-file').setInputFiles({ name: 'cacheconfig.json', mimeType: 'application/json', buffer: r });
  await expect(page.getByTestId('verdict')).toBeVisible();
  const short = (b: Buffer) => sha(b).slice(0, 'sha256:'.length + 12);
  const size = (b: Buffer) => `${b.length.toLocaleString('en-US')} bytes`;
  await expect(page.getByTestId('left-name-detail')).toHaveText(` (${short(l)}, ${size(l)})`);
  await expect(page.getByTestId('right-name-detail')).toHaveText(` (${short(r)}, ${size(r)})`);
  const markdown = await page.getByTestId('share-markdown').inputValue();
  expect(markdown).toContain(`cacheconfig.json (${short(l)}, ${size(l)})`);
  expect(markdown).toContain(`cacheconfig.json (${short(r)}, ${size(r)})`);
});

test('an archive comparison has a share link that reopens it, and a Markdown report', async ({ page, browser }) => {
  const left = ociImage(['base layer', 'app layer v1'], 'APP_ENV=prod');
  const right = ociImage(['base layer', 'app layer v2'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'left.tar', mimeType: 'application/x-tar', buffer: left.tar });
  await page.getByTestId('right-file').setInputFiles({ name: 'right.tar', mimeType: 'application/x-tar', buffer: right.tar });
  await expectVerdict(page, 'different');
  const changes = await page.getByTestId('change').count();
  await expect(page.getByTestId('share-archives')).toContainText('never a layer');
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toContain('#v2.');
  const markdown = await page.getByTestId('share-markdown').inputValue();
  expect(markdown).toMatch(/^### cachelens: different/);
  expect(markdown).toContain(left.manifest);
  expect(markdown).toContain(right.manifest);
  expect(markdown).toContain('left.tar');

  const reader = await (await browser.newContext()).newPage();
  await reader.goto(link);
  await expectVerdict(reader, 'different');
  await expect(reader.getByTestId('change')).toHaveCount(changes);
  await expect(reader.getByTestId('left-digest')).toHaveText(left.manifest);
  await expect(reader.getByTestId('right-digest')).toHaveText(right.manifest);
  await expect(reader.getByTestId('left-archive-note')).toBeVisible();
  await expect(reader.getByTestId('left-name')).toHaveText('left.tar');
  await reader.context().close();
});

test('at phone width every layer digest is whole, readable and copyable; the archive note is text', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 390, height: 844 });
  const img = ociImage(['base layer', 'app layer', 'config layer'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'img.tar', mimeType: 'application/x-tar', buffer: img.tar });
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.getByTestId('left-note')).toContainText('img.tar is an image archive');
  await expect(page.getByTestId('left-input')).toHaveCount(0);
  for (const testid of ['layer-diff-id', 'layer-chain-id']) {
    const cells = page.getByTestId(testid);
    await expect(cells).toHaveCount(3);
    for (let i = 0; i < 3; i++) {
      const code = cells.nth(i).locator('code');
      await expect(code).toHaveText(/^sha256:[0-9a-f]{64}$/);
      // Wrapped inside the screen, never clipped.
      const box = await code.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      const clipped = await code.evaluate((e) => e.scrollWidth > e.clientWidth + 1);
      expect(clipped).toBe(false);
    }
  }
  const diffId = await page.getByTestId('layer-diff-id').nth(2).locator('code').innerText();
  await page.getByLabel('Copy left layer 2 diff_id').click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(diffId);
  await page.getByTestId('layer').nth(2).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('layers-390.png') });
});

test('help is reachable from an empty pane; stories and upstream issues are visible links', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('left-help').click();
  const help = page.getByTestId('help');
  await expect(help).toHaveAttribute('open', '');
  await expect(help).toContainText('crane config IMAGE');
  await expect(help).toContainText('docker buildx history export');
  await expect(help).toContainText('--output type=oci,dest=img.tar');
  await expect(help.locator('summary')).toBeFocused();
  await expect(help.locator('summary')).toBeInViewport();
  await page.screenshot({ path: screenshotPath('help.png') });
  const story = page.getByTestId('example-story').first();
  await expect(story).toBeVisible();
  await expect(story).toContainText('drops the chains');
  await loadExample(page, 'chains-vanish');
  await expect(page.locator('.story a[href="https://github.com/moby/buildkit/issues/3009"]')).toBeVisible();
  await expect(page.locator('.lede a[href="https://github.com/moby/buildkit/issues/1876"]')).toBeVisible();
});

test('axe-core finds no violation on first load, a diff and an archive', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('app')).toBeVisible();
  await expectNoAxeViolations(page, 'first load');
  await loadExample(page, 'chains-vanish');
  await expectNoAxeViolations(page, 'a diff');
  const left = ociImage(['base layer', 'app layer v1'], 'APP_ENV=prod');
  const right = ociImage(['base layer', 'app layer v2'], 'APP_ENV=prod');
  await page.getByTestId('left-file').setInputFiles({ name: 'left.tar', mimeType: 'application/x-tar', buffer: left.tar });
  await page.getByTestId('right-file').setInputFiles({ name: 'right.tar', mimeType: 'application/x-tar', buffer: right.tar });
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('layer')).toHaveCount(4);
  await expectNoAxeViolations(page, 'an archive');
});

// Inputs past sessionStorage's limit (1 MiB) are kept in IndexedDB, under a key only this tab
// holds (in its sessionStorage): a reload keeps them, a new tab does not see them.
test('a reload keeps large inputs in this tab (IndexedDB); a new tab starts empty; Clear forgets them', async ({ page }) => {
  test.setTimeout(120_000);
  const config = (tag: string) => {
    const env = Array.from({ length: 40000 }, (_, i) => `VAR_${i}=${'x'.repeat(40)}`);
    env.push(`SIDE=${tag}`);
    return JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: env },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    });
  };
  const [left, right] = [config('left'), config('right')];
  expect(left.length + right.length).toBeGreaterThan(2 * 1024 * 1024);
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'left.json', mimeType: 'application/json', buffer: Buffer.from(left) });
  await page.getByTestId('right-file').setInputFiles({ name: 'right.json', mimeType: 'application/json', buffer: Buffer.from(right) });
  await expectVerdict(page, 'different');
  const digests = [await page.getByTestId('left-digest').textContent(), await page.getByTestId('right-digest').textContent()];
  expect(digests[0]).toMatch(/^sha256:/);
  const idbKey = () => page.evaluate(() => sessionStorage.getItem('cachelens.session.idb'));
  await expect.poll(idbKey).not.toBeNull();
  const entries = (p: Page) =>
    p.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('cachelens');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('session')) return resolve(0);
            const count = db.transaction('session').objectStore('session').count();
            count.onsuccess = () => resolve(count.result);
            count.onerror = () => reject(count.error);
          };
        }),
    );
  await expect.poll(() => entries(page)).toBe(1);
  // Wait until the entry holds both sides (it is written again once the right side is in too).
  const key = await idbKey();
  const kept = () =>
    page.evaluate(
      (key) =>
        new Promise<number[]>((resolve, reject) => {
          const open = indexedDB.open('cachelens');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('session').objectStore('session').get(key!);
            get.onsuccess = () => resolve(get.result ? Array.from(get.result as Uint8Array) : []);
            get.onerror = () => reject(get.error);
          };
        }),
      key,
    );
  const names = async () => {
    const bundle = Buffer.from(await kept());
    const start = bundle.indexOf('v2.') + 3; // cachelens-share:v2.<raw deflate, v2 dictionary>
    const container = zlib
      .inflateRawSync(bundle.subarray(start), { dictionary: shareDictionary() })
      .toString('latin1');
    return ['left.json', 'right.json'].filter((n) => container.includes(n));
  };
  await expect.poll(names, { timeout: 20_000 }).toEqual(['left.json', 'right.json']);
  expect(await page.evaluate(() => sessionStorage.getItem('cachelens.session'))).toBeNull();
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(page.url()).not.toContain('#');
  await expect(page.getByTestId('session-note')).toContainText('stay in this tab only');

  await page.reload();
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('left-digest')).toHaveText(digests[0]!);
  await expect(page.getByTestId('right-digest')).toHaveText(digests[1]!);
  await expect(page.getByTestId('left-name')).toHaveText('left.json');
  await expect(page.getByTestId('right-name')).toHaveText('right.json');
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(page.url()).not.toContain('#');

  // A new tab of the same browser has no key: it starts empty, and keeps its own inputs apart.
  const other = await page.context().newPage();
  await other.goto('./');
  await expect(other.getByTestId('app')).toBeVisible();
  await expect(other.getByTestId('left-input')).toHaveValue('');
  await expect(other.getByTestId('left-digest')).toHaveCount(0);
  expect(await other.evaluate(() => sessionStorage.getItem('cachelens.session.idb'))).toBeNull();
  await other.close();

  // Clearing both sides deletes this tab's entry; a reload then starts empty.
  await page.getByLabel('Clear the left input').click();
  await page.getByLabel('Clear the right input').click();
  await expect.poll(() => entries(page)).toBe(0);
  await page.reload();
  await expect(page.getByTestId('app')).toBeVisible();
  await expect(page.getByTestId('left-input')).toHaveValue('');
  await expect(page.getByTestId('right-input')).toHaveValue('');
});
