// Image archives in the page: an OCI layout tarball built here (ustar headers by hand, digests
// with Node's crypto) is read by ranges when uploaded; the pane shows its last layer digest and
// layer table, two archives are compared (changes under /layers), and an archive against JSON
// says what to do. The `watch` fixture (helpers.ts) fails any test that leaves the origin.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { test, expect, screenshotPath } from './helpers';
import { scenarios, expectVerdict } from './viewer-helpers';

const sha = (b: Buffer): string => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');

/** One 512-byte ustar header for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148); // checksum field counts as spaces
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** A tar of `files` (name → bytes), ending with two zero blocks. */
function tar(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** An OCI image layout tarball with layers of the given contents; returns it and its last layer digest. */
function ociImage(layers: string[], env: string): { tar: Buffer; lastLayer: string } {
  const blobs: [string, Buffer][] = [];
  const blob = (b: Buffer): string => {
    const d = sha(b);
    blobs.push([`blobs/sha256/${d.slice(7)}`, b]);
    return d;
  };
  const layerBlobs = layers.map((l) => Buffer.from(l));
  const layerDescs = layerBlobs.map((b) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: blob(b),
    size: b.length,
  }));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [env] },
      rootfs: { type: 'layers', diff_ids: layerBlobs.map(sha) },
      history: layers.map((l) => ({ created_by: `ADD ${l}` })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
      layers: layerDescs,
    }),
  );
  const manifestDigest = blob(manifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    }),
  );
  const files: [string, Buffer][] = [
    ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
    ['index.json', index],
    ...blobs,
  ];
  return { tar: tar(files), lastLayer: layerDescs[layerDescs.length - 1].digest };
}

test('an OCI tarball uploaded on a pane shows its last layer digest and layer table', async ({ page }) => {
  const img = ociImage(['base layer', 'app layer', 'config layer'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'img.tar', mimeType: 'application/x-tar', buffer: img.tar });
  await expect(page.getByTestId('last-layer-digest')).toContainText(img.lastLayer);
  await expect(page.getByTestId('left-kind')).toContainText('oci');
  await expect(page.getByTestId('layer')).toHaveCount(3);
  // The archive's bytes are not put in the textarea.
  await expect(page.getByTestId('left-input')).toHaveValue('');
});

test('two archives are compared, with the layer change under /layers', async ({ page }) => {
  const left = ociImage(['base layer', 'app layer v1'], 'APP_ENV=prod');
  const right = ociImage(['base layer', 'app layer v2'], 'APP_ENV=prod');
  await page.goto('./');
  await page.getByTestId('left-file').setInputFiles({ name: 'left.tar', mimeType: 'application/x-tar', buffer: left.tar });
  await page.getByTestId('right-file').setInputFiles({ name: 'right.tar', mimeType: 'application/x-tar', buffer: right.tar });
  await expectVerdict(page, 'different');
  await expect(page.getByTestId('change-path').filter({ hasText: /^\/layers/ }).first()).toBeVisible();
  await expect(page.getByTestId('share')).toContainText('attach the archives themselves');
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
