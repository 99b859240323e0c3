// Issue 17 point 2, the page's series mode: the eight configs of the real inline-rebuilds loop
// (moby/buildkit#3009's loop against a real BuildKit, tests/fixtures/real-buildkit/
// inline-rebuilds/, README there) dropped or chosen at once are put in name order, grouped as
// `cachelens series` groups them, each transition is summarised and opens in the two-input view
// (and back); the keyboard and the mouse reorder them (announced); any two open side by side; image
// archives go through the panes' archive reader. axe-core finds nothing in the series view.
// Saves screenshots/series-1280.png, series-390.png and series-pair-1280.png.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, screenshotPath, test } from './helpers';
import { ociImage } from './image-helpers';
import { REPO, cliBinary, expectVerdict, expectSeriesMode } from './viewer-helpers';

// Each test first checks that the page has the series mode (expectSeriesMode).
test.beforeEach(async ({ page }, info) => {
  if (info.title.startsWith('the pinned groups')) return;
  await expectSeriesMode(page);
});


const LOOP = path.join(REPO, 'tests', 'fixtures', 'real-buildkit', 'inline-rebuilds');
const config = (n: number) => path.join(LOOP, String(n), 'config.json');

// The groups `cachelens series tests/fixtures/real-buildkit/inline-rebuilds/*/config.json`
// prints for the loop (`1 2 │ 3 │ 4 5 6 7 8`, groups A = 1 2; B = 3; C = 4 5 6 7 8: README's
// "A series of rebuilds"), pinned here and in the native test
// web/src/state/series/tests.rs (eight_rebuilds_group_as_the_cli_groups_them, computed by the
// core's series Builder); checked against the CLI below when it is built.
const GROUPS = [[1, 2], [3], [4, 5, 6, 7, 8]];
const TIMELINE = '1 2 │ 3 │ 4 5 6 7 8';

test('the pinned groups are what cachelens series says (when the CLI is built)', async () => {
  const cli = cliBinary();
  test.skip(!cli, 'target/debug/cachelens is not built');
  const paths = [1, 2, 3, 4, 5, 6, 7, 8].map(config);
  const run = spawnSync(cli!, ['series', '--format', 'json', ...paths], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(1);
  const report = JSON.parse(run.stdout);
  // 0-based in the JSON, numbered from 1 in the page.
  expect(report.groups.map((g: number[]) => g.map((i) => i + 1))).toEqual(GROUPS);
});

/** The eight configs as `build-N.json`, out of order (the page sorts by name). */
const loopFiles = () =>
  [5, 1, 8, 2, 7, 3, 6, 4].map((n) => ({
    name: `build-${n}.json`,
    mimeType: 'application/json',
    buffer: fs.readFileSync(config(n)),
  }));

/** Chooses the eight configs with the file chooser (`drop`: drops them on the series instead). */
async function chooseTheLoop(page: Page, how: 'choose' | 'drop' = 'choose'): Promise<void> {
  await page.goto('./');
  await page.getByTestId('mode-series').click();
  if (how === 'choose') {
    await page.getByTestId('series-files').setInputFiles(loopFiles());
  } else {
    // A drop of eight files at once, as from a file manager: one DataTransfer holding them all.
    const files = loopFiles().map((f) => ({ name: f.name, type: f.mimeType, text: f.buffer.toString('utf8') }));
    const dt = await page.evaluateHandle((fs) => {
      const d = new DataTransfer();
      for (const f of fs) d.items.add(new File([f.text], f.name, { type: f.type }));
      return d;
    }, files);
    const target = page.getByTestId('series');
    await target.dispatchEvent('dragover', { dataTransfer: dt });
    await target.dispatchEvent('drop', { dataTransfer: dt });
  }
  await expect(page.getByTestId('series-status')).toContainText('Different: 8 inputs in 3 groups');
}

async function expectNames(page: Page, order: number[]): Promise<void> {
  await expect(page.getByTestId('series-input-name')).toHaveText(order.map((n) => `build-${n}.json`));
}

async function expectRuns(page: Page, runs: string[]): Promise<void> {
  const got = page.getByTestId('run');
  await expect(got).toHaveCount(runs.length);
  for (let i = 0; i < runs.length; i++) {
    await expect(got.nth(i)).toHaveAttribute('data-builds', runs[i]);
  }
}

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe on ${what}`).toEqual([]);
}

test('the eight rebuilds dropped at once: name order, the CLI groups, transitions, open one and come back', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await chooseTheLoop(page, 'drop');
  await expectNames(page, [1, 2, 3, 4, 5, 6, 7, 8]);
  // One column per input, numbered from 1, in runs of equivalent builds.
  await expectRuns(page, GROUPS.map((g) => g.join(' ')));
  await expect(page.getByTestId('build')).toHaveCount(8);
  await expect(page.getByTestId('build').first()).toContainText('build-1.json');
  await expect(page.getByTestId('series-timeline-text')).toHaveText(TIMELINE);
  const runs = page.getByTestId('run');
  // Boundaries in words, not colour alone.
  await expect(runs.nth(0)).toContainText('Group A');
  await expect(runs.nth(1)).toContainText('Group B · changed at 2 → 3');
  await expect(runs.nth(2)).toContainText('Group C · changed at 3 → 4');
  await expect(runs.nth(1).locator('.bar')).toHaveText('│');

  // Each transition: headline, steps affected, diagnosis.
  const transitions = page.getByTestId('transition');
  await expect(transitions).toHaveCount(2);
  const first = transitions.first();
  await expect(first).toHaveAttribute('data-from', '2');
  await expect(first).toHaveAttribute('data-to', '3');
  await expect(first.getByTestId('transition-headline')).toContainText('1 record lost its chains');
  await expect(first.getByTestId('transition-steps')).toContainText('COPY /deps/app /usr/local/bin/shop');
  await expect(first.getByTestId('transition-diagnosis')).toHaveAttribute('data-id', 'inline-results-vanished');
  await expect(transitions.nth(1).getByTestId('transition-headline')).toContainText('2 records lost their chains');
  await page.screenshot({ path: screenshotPath('series-1280.png'), fullPage: true });
  await expectNoAxeViolations(page, 'the series view');

  // Open 2 → 3 in the two-input view: the panes hold builds 2 and 3.
  await first.getByTestId('open-transition').click();
  await expect(page.getByTestId('left-name')).toHaveText('build-2.json');
  await expect(page.getByTestId('right-name')).toHaveText('build-3.json');
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('verdict')).toContainText('Only moby.buildkit.cache.v0 differs; 1 record lost its chains');
  await expect(page.getByTestId('change-path').first()).toContainText('moby.buildkit.cache.v0');
  await expect(page.getByTestId('series-back')).toContainText('Builds 2 and 3 of the series');
  await expect(page.getByTestId('series')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('series-pair-1280.png') });

  // And back: the series is as it was.
  await page.getByTestId('back-to-series').click();
  await expectRuns(page, GROUPS.map((g) => g.join(' ')));
  await expect(page.getByTestId('series-status')).toContainText('the build changed at 2→3 and 3→4');

  // Any two inputs: 1 and 8.
  await page.getByTestId('pick-left').selectOption('0');
  await page.getByTestId('pick-right').selectOption('7');
  await page.getByTestId('open-pair').click();
  await expect(page.getByTestId('left-name')).toHaveText('build-1.json');
  await expect(page.getByTestId('right-name')).toHaveText('build-8.json');
  await expectVerdict(page, 'different');
});

test('the keyboard reorders the inputs (announced) and the series is compared again', async ({ page }) => {
  await chooseTheLoop(page);
  const third = page.getByTestId('series-input').nth(2);
  await third.focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expectNames(page, [1, 3, 2, 4, 5, 6, 7, 8]);
  await expect(page.getByTestId('series-announce')).toHaveText('build-3.json moved to position 2 of 8.');
  // The focus stays on the input moved, so another Alt+Arrow moves it again.
  await expect(page.locator('#' + (await page.getByTestId('series-input').nth(1).getAttribute('id')))).toBeFocused();
  // 3 between 1 and 2: build 2 is build 1 again.
  await expectRuns(page, ['1', '2', '3', '4 5 6 7 8']);
  await expect(page.getByTestId('run').nth(2)).toContainText('Group A: the same build as 1');
  await expect(page.getByTestId('series-timeline-text')).toHaveText('1 │ 2 │ 3 (= 1) │ 4 5 6 7 8');
  await page.keyboard.press('Alt+ArrowDown');
  await expectNames(page, [1, 2, 3, 4, 5, 6, 7, 8]);
  await expectRuns(page, GROUPS.map((g) => g.join(' ')));

  // The buttons move too, and Remove takes an input out.
  await page.getByRole('button', { name: 'Move build 8 (build-8.json) up' }).click();
  await expectNames(page, [1, 2, 3, 4, 5, 6, 8, 7]);
  await page.getByRole('button', { name: 'Remove build 1 (build-1.json)' }).click();
  await expectNames(page, [2, 3, 4, 5, 6, 8, 7]);
  await expect(page.getByTestId('series-announce')).toHaveText('build-1.json removed; 7 inputs left.');
  await expectRuns(page, ['1', '2', '3 4 5 6 7']);
});

test('the mouse reorders the inputs: one dragged onto another takes its place', async ({ page }) => {
  await chooseTheLoop(page);
  const rows = page.getByTestId('series-input');
  // While a reorder drag is over a row, the row is outlined (where the input would land).
  const reorder = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.setData('application/x-cachelens-input', '0');
    return d;
  });
  await rows.nth(4).dispatchEvent('dragenter', { dataTransfer: reorder });
  await expect(rows.nth(4)).toHaveAttribute('data-drop-target', '');
  await rows.nth(4).dispatchEvent('dragleave', { dataTransfer: reorder });
  await expect(rows.nth(4)).not.toHaveAttribute('data-drop-target');
  // build-3 dragged onto build-1: it becomes the first, the others shift down.
  await rows.nth(2).dragTo(rows.nth(0));
  await expectNames(page, [3, 1, 2, 4, 5, 6, 7, 8]);
  await expect(page.getByTestId('series-announce')).toHaveText('build-3.json moved to position 1 of 8.');
  await expectRuns(page, ['1', '2 3', '4 5 6 7 8']);
  // And back down: build-3 dragged onto build-2 (now third) goes to position 3.
  await rows.nth(0).dragTo(rows.nth(2));
  await expectNames(page, [1, 2, 3, 4, 5, 6, 7, 8]);
  await expectRuns(page, GROUPS.map((g) => g.join(' ')));
  await expect(page.locator('[data-drop-target]')).toHaveCount(0);
  // A file dropped on an input is not a reorder: it is a new input, after the others.
  const dt = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'build-9.json', { type: 'application/json' }));
    return d;
  }, fs.readFileSync(config(8), 'utf8'));
  await rows.nth(1).dispatchEvent('dragover', { dataTransfer: dt });
  await rows.nth(1).dispatchEvent('drop', { dataTransfer: dt });
  await expectNames(page, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await expectRuns(page, ['1 2', '3', '4 5 6 7 8 9']);
});

test('at phone width the series fits the screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await chooseTheLoop(page);
  await expectRuns(page, GROUPS.map((g) => g.join(' ')));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
  await page.screenshot({ path: screenshotPath('series-390.png'), fullPage: true });
});

test('image archives go through the archive reader, and a transition opens them in the panes', async ({ page }) => {
  const v1 = ociImage(['base layer', 'app layer v1'], 'APP_ENV=prod');
  const v2 = ociImage(['base layer', 'app layer v2'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('mode-series').click();
  await page.getByTestId('series-files').setInputFiles([
    { name: 'nightly-10.tar', mimeType: 'application/x-tar', buffer: v2.tar },
    { name: 'nightly-2.tar', mimeType: 'application/x-tar', buffer: v1.tar },
    { name: 'nightly-3.tar', mimeType: 'application/x-tar', buffer: v1.tar },
  ]);
  // Natural order: 2 and 3 before 10.
  await expect(page.getByTestId('series-input-name')).toHaveText(['nightly-2.tar', 'nightly-3.tar', 'nightly-10.tar']);
  await expect(page.getByTestId('series-status')).toContainText('Different: 3 inputs in 2 groups');
  await expectRuns(page, ['1 2', '3']);
  await page.getByTestId('open-transition').click();
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('left-name')).toHaveText('nightly-3.tar');
  await expect(page.getByTestId('change-path').filter({ hasText: /^\/layers/ }).first()).toBeVisible();
});
