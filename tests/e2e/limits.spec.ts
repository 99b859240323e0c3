// Inputs over the core's limit (100 MiB, cachelens_core::MAX_INPUT_BYTES) in the browser: a file
// that large is refused with a message naming the limit, before a byte of it is read, and the
// tab lives on (the other pane still compares). The file is sparse (no disk used); Playwright
// hands the browser its path. Saves `screenshots/limits.png`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, screenshotPath } from './helpers';
import { expectVerdict, loadExample, paste } from './viewer-helpers';

const LIMIT = 100 * 1024 * 1024;

test('a file over the limit gets a message and the tab lives', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-limits-'));
  try {
    // JSON at the start (not a tarball: those are read by ranges, whatever their size), then a
    // hole up to one byte past the limit.
    const file = path.join(dir, 'huge-config.json');
    fs.writeFileSync(file, '{"architecture": "amd64", "pad": "');
    fs.truncateSync(file, LIMIT + 1);

    await page.goto('./');
    await page.getByTestId('left-file').setInputFiles(file);
    const error = page.locator('.pane').first().getByTestId('error');
    await expect(error).toHaveText(
      `huge-config.json: the input is ${LIMIT + 1} bytes, over the limit of ${LIMIT} bytes`,
    );
    // Nothing was loaded into the pane; the page still works.
    await expect(page.getByTestId('left-input')).toHaveValue('');
    await paste(page, 'left', '{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]}}');
    await paste(page, 'right', '{"architecture":"amd64","os":"linux","config":{"Env":["A=2"]}}');
    await expectVerdict(page, 'different');
    await page.getByTestId('left-file').setInputFiles(file);
    await expect(error).toContainText('over the limit');
    await page.screenshot({ path: screenshotPath('limits.png'), fullPage: true });
    await loadExample(page, 'env-change');
    await expectVerdict(page, 'different');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
