// Builds inspected with no push, no load and no layer download, on what a real BuildKit wrote
// (tests/fixtures/real-buildkit/): `.dockerbuild` records (`docker buildx history export`,
// gzip), the partial layout read from a build record (no layer blobs), local cache exports
// (both forms) and a `--metadata-file` output. The values checked are read from the fixtures
// here (Node's zlib and a few lines of tar), not from cachelens. Saves screenshots
// `build-manifest-root.png`, `build-index-root.png`, `build-partial-layout.png`,
// `build-local-cache.png` and `build-metadata.png`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test, expect, screenshotPath } from './helpers';
import { REPO, expectVerdict } from './viewer-helpers';

const REAL = path.join(REPO, 'tests', 'fixtures', 'real-buildkit');
const V25 = path.join(REAL, 'buildkit-0.25', 'archives');

/** The files of a tar, by name. */
function untar(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= buf.length && buf[at] !== 0) {
    const name = buf.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(buf.subarray(at + 124, at + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    out.set(name.replace(/^\.\//, ''), buf.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function blob(files: Map<string, Buffer>, digest: string): any {
  return JSON.parse(files.get('blobs/sha256/' + digest.replace('sha256:', ''))!.toString('utf8'));
}

function upload(file: string) {
  return { name: path.basename(file), mimeType: 'application/octet-stream', buffer: fs.readFileSync(file) };
}

test('a .dockerbuild with a manifest root shows the record, its layers and the last layer', async ({ page }) => {
  const file = path.join(V25, 'tiny.manifest-root.dockerbuild');
  const files = untar(zlib.gunzipSync(fs.readFileSync(file)));
  const index = JSON.parse(files.get('index.json')!.toString('utf8'));
  const manifest = blob(files, index.manifests[0].digest);
  const record = blob(files, manifest.config.digest);
  const root = record.Result.Results['0'].digest;
  const image = blob(files, root);
  const last = image.layers[image.layers.length - 1].digest;

  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(upload(file));
  await expect(page.getByTestId('build-record')).toContainText(`Build record ${record.Ref}`);
  await expect(page.getByTestId('left-kind')).toContainText('a build record export');
  await expect(page.getByTestId('result-root')).toContainText(root);
  await expect(page.getByTestId('last-layer-digest')).toContainText(last);
  await expect(page.getByTestId('fetch-commands')).toContainText(
    `docker buildx history inspect attachment ${record.Ref} ${image.config.digest}`,
  );
  await expect(page.getByTestId('left-note')).toContainText('gzip-compressed');
  await expect(page.getByTestId('archive-problem')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('build-manifest-root.png'), fullPage: true });
});

test('a .dockerbuild with an index root says so and prints the commands that fetch the rest', async ({ page }) => {
  const file = path.join(V25, 'tiny.index-root.dockerbuild');
  const files = untar(zlib.gunzipSync(fs.readFileSync(file)));
  const index = JSON.parse(files.get('index.json')!.toString('utf8'));
  const record = blob(files, blob(files, index.manifests[0].digest).config.digest);
  const root = blob(files, record.Result.Results['0'].digest);
  const image = root.manifests.find((m: any) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');

  await page.goto('./');
  await page.getByTestId('right-file').setInputFiles(upload(file));
  await expect(page.getByTestId('index-root')).toContainText('The root is an image index');
  await expect(page.getByTestId('fetch-commands')).toContainText(
    `docker buildx history inspect attachment ${record.Ref} ${image.digest}`,
  );
  await page.screenshot({ path: screenshotPath('build-index-root.png'), fullPage: true });
  // Two records compare like two images.
  await page.getByTestId('left-file').setInputFiles(upload(path.join(V25, 'tiny.manifest-root.dockerbuild')));
  await expectVerdict(page, 'different');
});

test('a partial layout from a build record reads without problems: layers not present', async ({ page }) => {
  const dir = path.join(REAL, 'archives', 'tiny.from-history');
  const idx = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const read = (d: string) => JSON.parse(fs.readFileSync(path.join(dir, 'blobs', 'sha256', d.replace('sha256:', '')), 'utf8'));
  const inner = read(idx.manifests[0].digest);
  const manifest = read(inner.manifests[0].digest);
  const last = manifest.layers[manifest.layers.length - 1].digest;
  await page.goto('./');
  await page.getByTestId('left-folder').setInputFiles(dir);
  await expect(page.getByTestId('last-layer-digest')).toContainText(last);
  await expect(page.getByTestId('absent-layers')).toContainText(`${manifest.layers.length} of ${manifest.layers.length} layer blobs not present`);
  await expect(page.getByTestId('archive-problem')).toHaveCount(0);
  // v0.13 ends in WORKDIR: the empty layer, and the chain ID offered instead.
  await expect(page.getByTestId('empty-last-layer')).toBeVisible();
  await expect(page.getByTestId('chain-id')).toContainText('sha256:');
  await page.screenshot({ path: screenshotPath('build-partial-layout.png'), fullPage: true });
  // v0.25's partial layout (its build ends in COPY --link: a real last layer).
  const v25 = path.join(V25, 'tiny.from-history');
  await page.getByTestId('right-folder').setInputFiles(v25);
  await expect(page.getByTestId('right-archive').getByTestId('absent-layers')).toContainText('not present');
  await expect(page.getByTestId('right-archive').getByTestId('empty-last-layer')).toHaveCount(0);
  await expect(page.getByTestId('archive-problem')).toHaveCount(0);
});

test('local cache exports are caches; the v0.25 one equals its registry form', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('left-folder').setInputFiles(path.join(REAL, 'archives', 'tiny.local-cache'));
  await expect(page.getByTestId('cache-export')).toContainText('before v0.21');
  await expect(page.getByTestId('cache-records')).toContainText('7 records');
  await expect(page.getByTestId('archive-problem')).toHaveCount(0);
  await expect(page.getByTestId('warning')).toHaveCount(0);
  await page.getByTestId('left-folder').setInputFiles(path.join(V25, 'tiny.local-cache'));
  await expect(page.getByTestId('cache-export')).toContainText('v0.21 and later');
  await page.getByTestId('right-file').setInputFiles(upload(path.join(V25, 'tiny.registry-cacheconfig.json')));
  await expectVerdict(page, 'identical');
  await expect(page.getByText('One side is an image archive')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('build-local-cache.png'), fullPage: true });
});

test('a metadata file names the build, its root and the commands to fetch it', async ({ page }) => {
  const file = path.join(V25, 'tiny.index-root.metadata.json');
  const meta = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ref = meta['buildx.build.ref'].split('/').pop();
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles(upload(file));
  const pointer = page.getByTestId('left-build-pointer');
  await expect(pointer).toContainText(ref);
  await expect(pointer).toContainText(meta['containerimage.digest']);
  await expect(pointer.getByTestId('fetch-commands')).toContainText(
    `docker buildx history inspect attachment ${ref} ${meta['containerimage.digest']}`,
  );
  await page.screenshot({ path: screenshotPath('build-metadata.png'), fullPage: true });
});

test('bad .dockerbuild files get a clear error and the page keeps working', async ({ page }) => {
  const good = fs.readFileSync(path.join(V25, 'tiny.manifest-root.dockerbuild'));
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'cut.dockerbuild', mimeType: 'application/gzip', buffer: good.subarray(0, good.length / 2) });
  await expect(page.getByTestId('error')).toContainText('cut.dockerbuild: the gzip data is damaged or incomplete');
  await page.getByTestId('left-file').setInputFiles({ name: 'json.dockerbuild', mimeType: 'application/gzip', buffer: zlib.gzipSync('{"not": "a tar"}') });
  await expect(page.getByTestId('error')).toContainText('decompresses, but not to an OCI layout tar');
  await page.getByTestId('left-file').setInputFiles(upload(path.join(V25, 'tiny.manifest-root.dockerbuild')));
  await expect(page.getByTestId('build-record')).toBeVisible();
});

test('a gzip that inflates past 256 MiB stops at the cap with a clear error; the page keeps working', async ({ page }) => {
  // Deflate inflates at most about 1032:1, so the smallest such gzip is about 260 KB.
  const bomb = zlib.gzipSync(Buffer.alloc(257 * 1024 * 1024), { level: 9 });
  expect(bomb.length).toBeLessThan(300_000);
  await page.goto('./');
  await page.evaluate(() => {
    (window as any).__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) (window as any).__longest = Math.max((window as any).__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.getByTestId('left-file').setInputFiles({ name: 'bomb.dockerbuild', mimeType: 'application/gzip', buffer: bomb });
  await expect(page.getByTestId('error')).toContainText('over the limit of 268435456 bytes', { timeout: 30_000 });
  // Measured, not asserted (a figure for the notes): the longest main-thread task meanwhile.
  console.log(`gzip bomb: longest main-thread task ${await page.evaluate(() => (window as any).__longest)} ms`);
  await page.getByTestId('right-input').fill('{"a": 1}');
  await expect(page.getByTestId('right-kind')).toBeVisible();
});

