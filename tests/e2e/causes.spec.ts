// What a rebuild means, on the page, for real BuildKit output (tests/fixtures/real-buildkit/):
// records named by their Dockerfile steps, the known cause under the verdict with its upstream
// link, what the next build loses, and the coverage strip of both caches; build-arg rebuilds read
// as one record that gained an input alternative. Values are read from the fixtures here.
// Saves `screenshots/causes-3009.png` and `causes-renumbering.png`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test, expect, screenshotPath } from './helpers';
import { REPO, expectVerdict } from './viewer-helpers';

const REAL = path.join(REPO, 'tests', 'fixtures', 'real-buildkit');

function upload(rel: string) {
  const file = path.join(REAL, rel);
  return { name: rel.replace(/\//g, '-'), mimeType: 'application/json', buffer: fs.readFileSync(file) };
}

test('moby/buildkit#3009: the lost result is named by its step, with the cause and what the next build loses', async ({ page }) => {
  const config = JSON.parse(fs.readFileSync(path.join(REAL, 'inline-rebuilds/2/config.json'), 'utf8'));
  const steps = config.history.filter((h: any) => !h.empty_layer).map((h: any) => (h.created_by ?? h.comment).trim());
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(upload('inline-rebuilds/2/config.json'));
  await page.getByTestId('right-file').setInputFiles(upload('inline-rebuilds/3/config.json'));
  await expectVerdict(page, 'different');
  const d = page.getByTestId('diagnosis');
  await expect(d).toHaveAttribute('data-id', 'inline-results-vanished');
  await expect(d.getByRole('link', { name: 'moby/buildkit#3009' })).toHaveAttribute('href', 'https://github.com/moby/buildkit/issues/3009');
  await expect(d).toContainText(steps[1]);
  await expect(d.getByTestId('next-build')).toContainText('on a new base image that step runs again');
  await expect(d.getByTestId('remedy')).toContainText('type=registry');
  // The change is named by its step.
  await expect(page.getByTestId('change-step').first()).toContainText(steps[1]);
  // The coverage strip: one cell per layer-making step; layer 1's independent result lost.
  const cov = page.getByTestId('coverage');
  await expect(cov.getByTestId('coverage-left').locator('td')).toHaveCount(steps.length);
  await expect(cov.getByTestId('coverage-left').locator('td').nth(1)).toContainText('P+I');
  await expect(cov.getByTestId('coverage-right').locator('td').nth(1)).toContainText('lost');
  await expect(cov.getByTestId('coverage-meaning')).toHaveCount(1);
  await expect(cov.getByTestId('coverage-meaning')).toContainText('loses the independent result');
  // In the documents, the record's key line carries its step.
  await expect(page.getByTestId('row-step').filter({ hasText: steps[1] }).first()).toBeVisible();
  await page.screenshot({ path: screenshotPath('causes-3009.png'), fullPage: true });
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
});

test('renumbering only is equivalent, with moby/buildkit#1876 and what to do', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(upload('buildkit-0.25/inline-rebuilds/1/config.json'));
  await page.getByTestId('right-file').setInputFiles(upload('buildkit-0.25/inline-rebuilds/2/config.json'));
  await expectVerdict(page, 'equivalent');
  const d = page.getByTestId('diagnosis');
  await expect(d).toHaveAttribute('data-id', 'renumbering-only');
  await expect(d.getByRole('link', { name: 'moby/buildkit#1876' })).toBeVisible();
  await expect(d.getByTestId('remedy')).toContainText('keep the cache out of the image config');
  await page.screenshot({ path: screenshotPath('causes-renumbering.png'), fullPage: true });
});

test('a build-arg rebuild: one record gained an input alternative, three added, nothing removed', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(upload('build-args/v1/config.json'));
  await page.getByTestId('right-file').setInputFiles(upload('build-args/v2/config.json'));
  await expectVerdict(page, 'different');
  const cache = page.getByTestId('cache-summary');
  await expect(cache).toContainText('1 record gained an input alternative; 3 records added');
  await expect(cache).not.toContainText('records removed');
  await expect(cache).not.toContainText('record removed');
  await expect(cache).toContainText('COPY /deps/app /usr/local/bin/shop # buildkit');
});
