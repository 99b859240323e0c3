// Sharing a series (issue 17 point 2, in issue 20's v2 format): the eight configs of the real
// inline-rebuilds loop, chosen in the series mode, are shared as one link that fits a chat
// window; opened in a fresh page it restores the series in the same order, with the same
// groups; the bundle file downloaded from the page opens the series again when dropped on a pane.
// Saves screenshots/series-share-1280.png.
import type { Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, screenshotPath, test, watchPage } from './helpers';
import { REPO, expectSeriesMode } from './viewer-helpers';

// Each test first checks that the page has the series mode (expectSeriesMode).
test.beforeEach(async ({ page }) => {
  await expectSeriesMode(page);
});


const LOOP = path.join(REPO, 'tests', 'fixtures', 'real-buildkit', 'inline-rebuilds');
const config = (n: number) => path.join(LOOP, String(n), 'config.json');
// As series.spec.ts pins them (what `cachelens series` prints for the loop).
const RUNS = ['1 2', '3', '4 5 6 7 8'];

async function expectSeries(page: Page): Promise<void> {
  await expect(page.getByTestId('series-status')).toContainText('Different: 8 inputs in 3 groups');
  await expect(page.getByTestId('series-input-name')).toHaveText(
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `build-${n}.json`),
  );
  const runs = page.getByTestId('run');
  await expect(runs).toHaveCount(RUNS.length);
  for (let i = 0; i < RUNS.length; i++) await expect(runs.nth(i)).toHaveAttribute('data-builds', RUNS[i]);
}

test('a series shared as a link, and as a bundle, opens again as the same series', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./');
  await page.getByTestId('mode-series').click();
  await page.getByTestId('series-files').setInputFiles(
    [3, 1, 8, 2, 7, 5, 6, 4].map((n) => ({
      name: `build-${n}.json`,
      mimeType: 'application/json',
      buffer: fs.readFileSync(config(n)),
    })),
  );
  await expectSeries(page);

  const share = page.getByTestId('series-share');
  await expect(share.getByTestId('series-share-redact')).toBeChecked();
  await share.getByTestId('series-share-make').click();
  const field = share.getByTestId('series-share-link');
  await expect(field).toHaveValue(/#v2\./);
  const link = await field.inputValue();
  await expect(share.getByTestId('series-share-size')).toContainText('fits in a chat message');
  expect(link.length - link.indexOf('#') - 1).toBeLessThanOrEqual(8192);
  await share.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('series-share-1280.png'), fullPage: true });

  // A change to the series drops the link made of what it was.
  await page.getByTestId('series-share-redact').uncheck();
  await expect(share.getByTestId('series-share-link')).toHaveCount(0);
  await page.getByTestId('series-share-redact').check();

  // The link, in a fresh page: the series mode, the same order and groups.
  const reader = await page.context().newPage();
  const watch = watchPage(reader);
  await reader.goto(link);
  await expectSeries(reader);
  watch.expectClean();
  await reader.close();

  // The bundle file, dropped on a pane of a fresh page, opens the series too.
  await share.getByTestId('series-share-make').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    share.getByTestId('series-share-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('cachelens-series.bundle');
  const bundle = fs.readFileSync(await download.path());
  expect(bundle.subarray(0, 16).toString()).toBe('cachelens-share:');
  const again = await page.context().newPage();
  const watchAgain = watchPage(again);
  await again.goto('./');
  await again.getByTestId('left-file').setInputFiles({
    name: 'cachelens-series.bundle',
    mimeType: 'application/octet-stream',
    buffer: bundle,
  });
  await expectSeries(again);
  watchAgain.expectClean();
  await again.close();
});
