// Sharing a diff: a link made in the page (or by the CLI) reopens the exact diff in a fresh page,
// values of env variables and labels are redacted by default, the Markdown report carries both
// digests and the link, a downloaded bundle opens again by upload, and a broken link (or one with a
// pointer that is not one) says why. Links are v2 (issue 20); a stored v1 link still opens; a pair
// whose link is over 8,192 bytes offers a changes-only link, a cache-only link and the bundle with
// their sizes, and a changes-only link opens read-only.
// The `watch` fixture (helpers.ts) fails any test that logs a console error or leaves the origin;
// pages opened besides `page` are watched the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { test, expect, screenshotPath, watchPage, type PageWatch } from './helpers';
import { scenarios, cliBinary, loadExample, expectVerdict, REPO } from './viewer-helpers';

/** The verdict and number of changes shown. */
async function answer(page: Page): Promise<{ verdict: string; changes: number }> {
  const banner = page.getByTestId('verdict');
  await expect(banner).toHaveAttribute('aria-busy', 'false');
  return {
    verdict: (await banner.getAttribute('data-verdict')) ?? '',
    changes: await page.getByTestId('change').count(),
  };
}

/** The share link shown once both panes hold valid input. */
async function shareLink(page: Page): Promise<string> {
  const field = page.getByTestId('share-link');
  await expect(field).toHaveValue(/#v2\./);
  return field.inputValue();
}

/** Opens `link` in a new page of the same context, watched like `page`. */
async function openInNewPage(page: Page, link: string): Promise<{ reader: Page; watch: PageWatch }> {
  const reader = await page.context().newPage();
  const watch = watchPage(reader);
  await reader.goto(link);
  await expect(reader.getByTestId('opened')).toBeVisible();
  return { reader, watch };
}

/** The CLI, built if missing; undefined when cargo is not available. */
function cli(): string | undefined {
  const built = cliBinary();
  if (built) return built;
  const run = spawnSync('cargo', ['build', '-p', 'cachelens-cli'], { cwd: REPO, encoding: 'utf8' });
  if (run.error) return undefined;
  return cliBinary();
}

test('a link made in the page opens the same diff, with its options, in a fresh page', async ({ page }) => {
  await page.goto('./');
  await loadExample(page, 'shift-and-drop');
  await page.getByTestId('option-ignore-timestamps').check();
  const before = await answer(page);
  const link = await shareLink(page);
  expect(link.startsWith(new URL('./', page.url()).href + '#v2.')).toBe(true);
  await expect(page.getByTestId('share-link-size')).toContainText(/\d bytes/);

  const { reader, watch } = await openInNewPage(page, link);
  await expectVerdict(reader, before.verdict);
  await expect(reader.getByTestId('change')).toHaveCount(before.changes);
  await expect(reader.getByTestId('option-ignore-timestamps')).toBeChecked();
  await expect(reader.getByTestId('left-name')).toHaveText('shift-and-drop/left.json');
  await expect(reader.getByTestId('opened')).toContainText('Opened from a share link');
  // Typing does not rewrite the address.
  await reader.getByTestId('right-input').fill('{}');
  expect(reader.url()).toBe(link);
  watch.expectClean();
  await reader.close();
});

test('a link printed by the CLI opens in the page with the CLI answer', async ({ page }) => {
  const bin = cli();
  test.skip(!bin, 'cargo is not available to build the CLI (cargo build -p cachelens-cli)');
  const [s] = scenarios().filter((x) => x.name === 'chains-vanish');
  await page.goto('./');
  const base = page.url();
  const made = spawnSync(bin!, ['link', '--base', base, s.left, s.right], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const link = made.stdout.trim();
  const diff = spawnSync(bin!, ['diff', '--format', 'json', s.left, s.right], { encoding: 'utf8' });
  const report = JSON.parse(diff.stdout);
  await page.goto(link);
  await expect(page.getByTestId('opened')).toBeVisible();
  await expectVerdict(page, report.verdict);
  await expect(page.getByTestId('change')).toHaveCount(report.changes.length);
  await expect(page.getByTestId('opened-left-digest')).toContainText('Matches');
});

test('values are redacted by default, and only when chosen', async ({ page }) => {
  await page.goto('./');
  await loadExample(page, 'env-change');
  const redact = page.getByTestId('share-redact');
  await expect(redact).toBeChecked();
  await expect(page.getByTestId('share')).toContainText(/Redact the values of \d+ environment variables?/);
  await expect(page.getByTestId('share')).toContainText('APP_ENV');
  // The Markdown report keeps the real verdict but not the values.
  const markdown = await page.getByTestId('share-markdown').inputValue();
  expect(markdown).toMatch(/^### cachelens: different/);
  expect(markdown).not.toContain('APP_ENV=prod');
  expect(markdown).not.toContain('staging');

  let { reader, watch } = await openInNewPage(page, await shareLink(page));
  const leftText = await reader.getByTestId('left-input').inputValue();
  expect(leftText).not.toContain('APP_ENV=prod');
  expect(leftText).toMatch(/APP_ENV=(<|\\u003c)redacted(>|\\u003e)/);
  // Both sides are redacted together: the changed variable gets a different marker, so the
  // reader still sees a real difference, never the values.
  await expect(reader.getByTestId('verdict')).toHaveAttribute('data-verdict', 'different');
  expect(await reader.getByTestId('right-input').inputValue()).toMatch(/APP_ENV=(<|\\u003c)redacted-2(>|\\u003e)/);
  // The canonical view shows the values as text (unfold the top); nothing became an element.
  await reader.getByTestId('doc-view').locator('.fold-button').first().click();
  await expect(reader.getByTestId('doc-view')).toContainText('APP_ENV=<redacted>');
  await expect(reader.locator('redacted')).toHaveCount(0);
  await expect(reader.getByTestId('opened-left')).toContainText('redacted');
  await expect(reader.getByTestId('opened-left-digest')).toContainText(/differs because values were redacted/i);
  watch.expectClean();
  await reader.close();

  await redact.uncheck();
  ({ reader, watch } = await openInNewPage(page, await shareLink(page)));
  expect(await reader.getByTestId('left-input').inputValue()).toContain('APP_ENV=prod');
  await expect(reader.getByTestId('opened-left')).toContainText('no values redacted');
  await expect(reader.getByTestId('opened-left-digest')).toContainText('Matches');
  watch.expectClean();
  await reader.close();
});

test('the Markdown report holds both digests and the link', async ({ page }) => {
  await page.goto('./');
  await loadExample(page, 'chains-vanish');
  const link = await shareLink(page);
  const markdown = await page.getByTestId('share-markdown').inputValue();
  for (const side of ['left', 'right']) {
    expect(markdown).toContain(await page.getByTestId(`${side}-digest`).innerText());
  }
  expect(markdown).toContain(`[Open this diff in cachelens](${link})`);
  expect(markdown).toMatch(/^### cachelens: different/);
});

test('a downloaded bundle opens again when uploaded on a pane', async ({ page }, testInfo) => {
  await page.goto('./');
  await loadExample(page, 'timestamps-only');
  await page.getByTestId('option-ignore-cache').check();
  const before = await answer(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('share-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('cachelens-share.bundle');
  const saved = testInfo.outputPath('cachelens-share.bundle');
  await download.saveAs(saved);
  expect(fs.readFileSync(saved).subarray(0, 19).toString()).toBe('cachelens-share:v2.');

  const reader = await page.context().newPage();
  const watch = watchPage(reader);
  await reader.goto('./');
  await reader.getByTestId('left-file').setInputFiles(saved);
  await expect(reader.getByTestId('opened')).toContainText('Opened from a share bundle (cachelens-share.bundle)');
  await expectVerdict(reader, before.verdict);
  await expect(reader.getByTestId('change')).toHaveCount(before.changes);
  await expect(reader.getByTestId('option-ignore-cache')).toBeChecked();
  await expect(reader.getByTestId('left-name')).toHaveText('timestamps-only/left.json');
  watch.expectClean();
  await reader.close();
});

test('a broken link shows the decoder error, not a blank page', async ({ page }) => {
  await page.goto('./#v1.garbage');
  const error = page.getByTestId('error');
  await expect(error).toContainText('This share link could not be opened');
  await expect(error).toContainText('base64url');
  await expect(page.getByTestId('app')).toBeVisible();
  // A good link given afterwards (the fragment changes) opens.
  await page.goto('./');
  await loadExample(page, 'tie-renumber');
  const link = await shareLink(page);
  await page.goto('./#v1.garbage');
  await page.goto(link);
  await expect(page.getByTestId('opened')).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a link whose ignore pointer is not a pointer is refused, not opened without it', async ({ page }) => {
  // Two configs and an ignore pointer written without its leading '/' (the core's tests check
  // this stored link decodes to exactly that error).
  const fragment = fs.readFileSync(path.join(REPO, 'tests', 'fixtures', 'share', 'bad-ignore-pointer.txt'), 'utf8').trim();
  await page.goto(`./#${fragment}`);
  const error = page.getByTestId('error');
  await expect(error).toContainText('This share link could not be opened: ignore pointer "created"');
  await expect(error).toContainText('is not a JSON Pointer');
  await expect(page.getByTestId('opened')).toHaveCount(0);
  await expect(page.getByTestId('verdict')).toHaveCount(0);
});

test('screenshot of the share panel', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./');
  await loadExample(page, 'env-change');
  await shareLink(page);
  await page.getByTestId('share').locator('details').first().evaluate((d) => d.setAttribute('open', ''));
  await page.getByTestId('share').screenshot({ path: screenshotPath('share.png') });
  const { reader, watch } = await openInNewPage(page, await shareLink(page));
  await reader.setViewportSize({ width: 1280, height: 900 });
  await reader.getByTestId('opened').screenshot({ path: screenshotPath('share-opened.png') });
  watch.expectClean();
  await reader.close();
  expect(fs.existsSync(path.join(path.dirname(screenshotPath('x')), 'share.png'))).toBe(true);
});

test('a stored v1 link still opens, byte for byte', async ({ page }) => {
  // crates/core/fixtures/v1-link.txt: made by the first v1 encoder, never regenerated.
  const fragment = fs.readFileSync(path.join(REPO, 'crates', 'core', 'fixtures', 'v1-link.txt'), 'utf8').trim();
  await page.goto(`./#${fragment}`);
  await expect(page.getByTestId('opened')).toContainText('Opened from a share link');
  await expect(page.getByTestId('left-name')).toHaveText('left.json');
  expect(await page.getByTestId('left-input').inputValue()).toBe('{"a":1}');
  await expect(page.getByTestId('left-digest')).toHaveText(
    'sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
  );
  await expect(page.getByTestId('option-ignore-timestamps')).toBeChecked();
  await expect(page.getByTestId('error')).toHaveCount(0);
});

const WIDE = path.join(REPO, 'tests', 'fixtures', 'real-buildkit', 'wide-rebuilds');

test('a long link offers the changes-only link, the cache-only link and the bundle, each with its size; the changes-only link opens read-only', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(path.join(WIDE, '2', 'config.json'));
  await page.getByTestId('right-file').setInputFiles(path.join(WIDE, '3', 'config.json'));
  await expectVerdict(page, 'different');
  const link = await shareLink(page);
  expect(link.length).toBeGreaterThan(8192);
  const smaller = page.getByTestId('share-smaller');
  await expect(smaller).toContainText('chat tools may cut it');
  const changesLink = (await page.getByTestId('share-changes-only').getAttribute('data-link')) ?? '';
  const cacheLink = (await page.getByTestId('share-cache-only-link').getAttribute('data-link')) ?? '';
  expect(changesLink).toContain('#v2.');
  expect(changesLink.length).toBeLessThan(8192);
  const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;
  await expect(page.getByTestId('share-changes-only-size')).toContainText(bytes(changesLink.length));
  await expect(page.getByTestId('share-cache-only-size')).toContainText(bytes(cacheLink.length));
  await expect(page.getByTestId('share-bundle-size')).toContainText(/\d bytes/);
  await page.getByTestId('share').screenshot({ path: screenshotPath('share-long.png') });

  const reader = await page.context().newPage();
  const watch = watchPage(reader);
  await reader.goto(changesLink);
  const view = reader.getByTestId('changes-only');
  await expect(view).toContainText('read-only');
  await expect(reader.getByTestId('changes-only-headline')).toContainText('2 records lost their chains');
  for (const side of ['left', 'right']) {
    await expect(reader.getByTestId(`changes-only-${side}-digest`)).toHaveText(/^sha256:[0-9a-f]{64}$/);
  }
  await expect(reader.getByTestId('changes-only-left-digest')).toHaveText(await page.getByTestId('left-digest').innerText());
  await expect(reader.getByTestId('changes-only-changes').locator('li')).toHaveCount(2);
  await expect(reader.getByTestId('changes-only-diagnoses')).toContainText('Results vanished from the inline cache');
  // Read-only: nothing was put in the panes.
  expect(await reader.getByTestId('left-input').inputValue()).toBe('');
  await view.screenshot({ path: screenshotPath('share-changes-only.png') });
  watch.expectClean();
  await reader.close();
});
