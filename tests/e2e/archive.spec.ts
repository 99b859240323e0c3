// Image archives in the page: an OCI layout tarball built here (image-helpers.ts: ustar headers
// by hand, digests with Node's crypto) is read by ranges when uploaded; the pane shows its last
// layer digest and layer table, two archives are compared (changes under /layers), and an
// archive against JSON says what to do. The `watch` fixture (helpers.ts) fails any test that
// leaves the origin. OCI layout folders: layout.spec.ts.
import * as fs from 'node:fs';
import { test, expect, screenshotPath } from './helpers';
import { ociImage } from './image-helpers';
import { scenarios, expectVerdict } from './viewer-helpers';

test('an OCI tarball uploaded on a pane shows its last layer digest and layer table', async ({ page }) => {
  const img = ociImage(['base layer', 'app layer', 'config layer'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'img.tar', mimeType: 'application/x-tar', buffer: img.tar });
  await expect(page.getByTestId('last-layer-digest')).toContainText(img.lastLayer);
  await expect(page.getByTestId('left-kind')).toContainText('oci');
  await expect(page.getByTestId('layer')).toHaveCount(3);
  // The archive's bytes are not put in a textarea: the pane says what it holds, as text.
  await expect(page.getByTestId('left-input')).toHaveCount(0);
  await expect(page.getByTestId('left-note')).toContainText('img.tar is an image archive');
});

test('two archives are compared, with the layer change under /layers', async ({ page }) => {
  const left = ociImage(['base layer', 'app layer v1'], 'APP_ENV=prod');
  const right = ociImage(['base layer', 'app layer v2'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'left.tar', mimeType: 'application/x-tar', buffer: left.tar });
  await page.getByTestId('right-file').setInputFiles({ name: 'right.tar', mimeType: 'application/x-tar', buffer: right.tar });
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('change-path').filter({ hasText: /^\/layers/ }).first()).toBeVisible();
  // Shared as the documents compared (newuser.spec.ts opens the link).
  await expect(page.getByTestId('share-archives')).toBeVisible();
  await page.screenshot({ path: screenshotPath('archive.png'), fullPage: true });
});

test('an archive against JSON says what to do', async ({ page }) => {
  const img = ociImage(['only layer'], 'A=1');
  const [s] = scenarios().filter((x) => x.name === 'env-change');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'img.tar', mimeType: 'application/x-tar', buffer: img.tar });
  await page.getByTestId('right-file').setInputFiles(s.right);
  await expect(page.getByTestId('mixed-inputs')).toContainText('image archive');
  await expect(page.getByTestId('verdict')).toHaveCount(0);
  expect(fs.existsSync(s.right)).toBe(true);
});
