// OCI image layout folders (`docker buildx build --output type=oci,tar=false,dest=DIR`) in the
// page. The layout is written to a temporary folder here (image-helpers.ts: blob digests with
// Node's crypto) and chosen with the pane's folder input (`webkitdirectory`; Playwright uploads
// a directory given as a path). The pane shows the last layer digest computed in the test, the
// layer table and the folder's name; a layout folder and the same image as a tarball are
// `identical`; a parent folder holding one layout opens that layout; a folder without
// index.json or with a missing config says so in its pane, one without a layer blob reads as a
// partial layout (not present, no problem). Dropping a folder on a pane takes the
// same path after listing it (DataTransferItem.webkitGetAsEntry), which Playwright cannot
// simulate: it is not tested here. Saves `screenshots/layout.png` and `layout-errors.png`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect, screenshotPath } from './helpers';
import { ociImage, tempDir, writeFolder } from './image-helpers';
import { expectVerdict } from './viewer-helpers';

let tmp: string;
test.beforeEach(() => {
  tmp = tempDir();
});
test.afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('an OCI layout folder chosen on a pane shows its last layer digest and layer table', async ({ page }) => {
  const img = ociImage(['base layer', 'app layer', 'config layer'], 'APP_ENV=prod');
  const dir = writeFolder(tmp, 'img-layout', img.files);
  await page.goto('./');
  const input = page.getByLabel('Open an OCI layout folder on the left');
  await expect(input).toHaveAttribute('webkitdirectory');
  // Keyboard: the folder chooser is the next stop after the file chooser.
  await page.getByTestId('left-file').focus();
  await page.keyboard.press('Tab');
  await expect(input).toBeFocused();

  await input.setInputFiles(dir);
  await expect(page.getByTestId('last-layer-digest')).toContainText(img.lastLayer);
  await expect(page.getByTestId('manifest-digest')).toContainText(img.manifest);
  await expect(page.getByTestId('config-digest')).toContainText(img.config);
  await expect(page.getByTestId('layer')).toHaveCount(3);
  await expect(page.getByTestId('left-kind')).toHaveText('an image layout folder (oci-layout)');
  await expect(page.getByTestId('left-name')).toHaveText('img-layout');
  await expect(page.getByTestId('left-input')).toHaveCount(0);
  await expect(page.getByTestId('left-note')).toContainText('img-layout is an image layout folder');
});

test('a layout folder and the same image as a tarball are identical', async ({ page }) => {
  const img = ociImage(['base layer', 'app layer'], 'APP_ENV=prod');
  const dir = writeFolder(tmp, 'img-layout', img.files);
  await page.goto('./');
  await page.getByTestId('left-folder').setInputFiles(dir);
  await page.getByTestId('right-file').setInputFiles({ name: 'img.tar', mimeType: 'application/x-tar', buffer: img.tar });
  await expectVerdict(page, 'identical');
  await expect(page.getByTestId('left-kind')).toContainText('oci-layout');
  await expect(page.getByTestId('right-kind')).toContainText('oci-archive');
  await expect(page.getByTestId('last-layer-digest')).toHaveText([img.lastLayer, img.lastLayer].map((d) => new RegExp(d)));
  await page.screenshot({ path: screenshotPath('layout.png'), fullPage: true });
});

test('a layout with a multi-gigabyte layer opens at once: layers are never read', async ({ page }) => {
  // The layer blob is a sparse 5 GiB file (no disk used; more than a wasm32 usize holds); its
  // digest is never checked because its contents are never read, only its size (from the
  // folder listing) against the manifest's.
  const size = 5 * 1024 ** 3;
  const digest = 'sha256:' + 'ab'.repeat(32);
  const img = ociImage(['base layer'], 'A=1', [{ digest, size }]);
  const dir = writeFolder(tmp, 'big-layout', img.files);
  fs.truncateSync(path.join(dir, 'blobs', 'sha256', 'ab'.repeat(32)), size);
  await page.goto('./');
  await page.getByTestId('left-folder').setInputFiles(dir);
  await expect(page.getByTestId('last-layer-digest')).toContainText(digest);
  await expect(page.getByTestId('layer').nth(1)).toContainText('5,368,709,120 bytes');
  await expect(page.getByTestId('archive-problem')).toHaveCount(0);
});

test('a parent folder holding one layout opens that layout', async ({ page }) => {
  const img = ociImage(['only layer'], 'A=1');
  writeFolder(tmp, path.join('builds', 'out', 'img'), img.files);
  fs.writeFileSync(path.join(tmp, 'builds', 'notes.txt'), 'not part of the image');
  await page.goto('./');
  await page.getByTestId('right-folder').setInputFiles(path.join(tmp, 'builds'));
  await expect(page.getByTestId('right-name')).toHaveText('builds/out/img');
  await expect(page.getByTestId('last-layer-digest')).toContainText(img.lastLayer);
});

test('a folder without index.json or its config is an error in its pane; one missing a layer blob says it is not present', async ({ page }) => {
  const img = ociImage(['base layer', 'app layer'], 'A=1');
  const noIndex = writeFolder(
    tmp,
    'no-index',
    img.files.filter(([p]) => p !== 'index.json'),
  );
  // A missing config is damage; a missing layer blob is not (a partial layout, as fetched from
  // a build record, has none): it is "not present".
  const configBlob = `blobs/sha256/${img.config.slice(7)}`;
  const missingBlob = writeFolder(
    tmp,
    'missing-blob',
    img.files.filter(([p]) => p !== configBlob),
  );
  const lastBlob = `blobs/sha256/${img.lastLayer.slice(7)}`;
  const partial = writeFolder(
    tmp,
    'partial',
    img.files.filter(([p]) => p !== lastBlob),
  );
  await page.goto('./');
  const left = page.getByRole('region', { name: 'Left (before)' });
  const right = page.getByRole('region', { name: 'Right (after)' });

  await page.getByTestId('left-folder').setInputFiles(noIndex);
  await expect(left.getByTestId('left-name')).toHaveText('no-index');
  await expect(left.getByRole('alert')).toContainText(/^no-index: .*neither index\.json/);
  await expect(page.getByText('The left input could not be read')).toBeVisible();

  await page.getByTestId('right-folder').setInputFiles(missingBlob);
  await expect(right.getByTestId('archive-problem')).toContainText(img.config);
  await expect(right.getByTestId('archive-problem')).toContainText('missing');
  // The rest of the image is still described.
  await expect(right.getByTestId('manifest-digest')).toContainText(img.manifest);
  await expect(right.getByTestId('last-layer-digest')).toContainText(img.lastLayer);
  await expect(page.getByTestId('verdict')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('layout-errors.png'), fullPage: true });

  await page.getByTestId('right-folder').setInputFiles(partial);
  await expect(right.getByTestId('absent-layers')).toContainText('1 of 2 layer blobs not present');
  await expect(right.getByTestId('archive-problem')).toHaveCount(0);
});
