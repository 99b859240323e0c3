// The page computes in a Web Worker (web/src/worker.rs): while the 1k-record pairs are read,
// analysed, compared and laid out, no main-thread task takes 50 ms or more (PerformanceObserver
// `longtask`), and the answer says it was computed in the worker (`data-computed`).
//
// The worker is behind the web crate's `worker` feature (off by default: over the bundle
// budget), so these tests run only when CACHELENS_WORKER=1 says dist/ was built with it
// (`TRUNK_BUILD_ALL_FEATURES=true cargo xtask dist`); against a page that computes on its main
// thread they fail.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test, expect, screenshotPath } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'bench-1000');

/**
 * A generated input (tests/fixtures/bench-1000/README.md), ungzipped into the test's output
 * folder: given by path, Chromium reads the file itself (a buffer would be built in the page by
 * Playwright, a main-thread task of its own).
 */
function input(name: string): string {
  const file = test.info().outputPath(`${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, `${name}.json.gz`))));
  return file;
}

test.describe('the worker', () => {
  // One at a time: two pages computing at once would share the CPU and time each other.
  test.describe.configure({ mode: 'serial' });

  for (const pair of ['registry-1000', 'inline-1000']) {
    test(`${pair}: compared in the worker, no main-thread task of 50 ms or more`, async ({ page }) => {
      test.skip(
        process.env.CACHELENS_WORKER !== '1',
        'dist/ built without the worker feature: set CACHELENS_WORKER=1 after `TRUNK_BUILD_ALL_FEATURES=true cargo xtask dist`',
      );
      test.setTimeout(60_000);
      await page.goto('./');
      await expect(page.getByTestId('left-file')).toBeAttached();
      const app = page.getByTestId('app');
      // Observed from here on: the comparison, not the page's start.
      await page.evaluate(() => {
        const w = window as unknown as { __tasks: { start: number; duration: number }[] };
        w.__tasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__tasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask' });
      });
      const [left, right] = [input(`${pair}-left`), input(`${pair}-right`)];
      await page.getByTestId('left-file').setInputFiles(left);
      await page.getByTestId('right-file').setInputFiles(right);
      const verdict = page.getByTestId('verdict');
      await expect(verdict).toHaveAttribute('data-verdict', 'different', { timeout: 30_000 });
      await expect(verdict).toHaveAttribute('aria-busy', 'false');
      // The document view, laid out in the worker too.
      await expect(page.locator('.laying-out')).toHaveCount(0, { timeout: 30_000 });
      await expect(app).toHaveAttribute('data-computed', 'worker');
      // Let a last task (the render of the document view) reach the observer.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
      const tasks = await page.evaluate(
        () => (window as unknown as { __tasks: { start: number; duration: number }[] }).__tasks,
      );
      await page.screenshot({ path: screenshotPath(`worker-${pair}.png`), fullPage: false });
      console.log(`worker: ${pair}: main-thread long tasks ${JSON.stringify(tasks.map((t) => Math.round(t.duration)))}`);
      expect(tasks.map((t) => Math.round(t.duration)), 'main-thread tasks of 50 ms or more').toEqual([]);
    });
  }
});
