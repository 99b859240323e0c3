// Image archives and OCI layout folders for the specs, built here: ustar headers by hand, blob
// digests with Node's crypto, so every digest a test expects is computed independently of the
// viewer. Used by archive.spec.ts (tarballs) and layout.spec.ts (folders).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const sha = (b: Buffer): string => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');

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
export function tar(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The files of an OCI image layout of one image. */
export interface OciImage {
  /** Path inside the layout → bytes: `oci-layout`, `index.json`, `blobs/sha256/<hex>`. */
  files: [string, Buffer][];
  /** The last layer's digest. */
  lastLayer: string;
  /** Every layer's digest, in order. */
  layers: string[];
  /** The image config's digest. */
  config: string;
  /** The image manifest's digest. */
  manifest: string;
  /** The layout as a tarball (`docker buildx build --output type=oci,dest=img.tar`). */
  tar: Buffer;
}

/** A layer given by its descriptor only: its blob is written empty, for the caller to size. */
export interface BigLayer {
  digest: string;
  size: number;
}

/**
 * An OCI image layout with layers of the given contents and one Env entry in its config, then
 * the `big` layers (descriptors only: their blob files are empty, for the caller to grow with
 * `fs.truncateSync`, a sparse file; their diff_ids are made up).
 */
export function ociImage(layers: string[], env: string, big: BigLayer[] = []): OciImage {
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
  for (const l of big) {
    blobs.push([`blobs/sha256/${l.digest.slice(7)}`, Buffer.alloc(0)]);
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: [env] },
      rootfs: {
        type: 'layers',
        diff_ids: [...layerBlobs.map(sha), ...big.map((l) => sha(Buffer.from(`diff ${l.digest}`)))],
      },
      history: [...layers, ...big.map((l) => l.digest)].map((l) => ({ created_by: `ADD ${l}` })),
    }),
  );
  const configDigest = blob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
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
  const layerDigests = layerDescs.map((d) => d.digest);
  return {
    files,
    lastLayer: layerDigests[layerDigests.length - 1],
    layers: layerDigests,
    config: configDigest,
    manifest: manifestDigest,
    tar: tar(files),
  };
}

/** A fresh temporary folder (removed by the caller with `fs.rmSync(dir, { recursive: true })`). */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-e2e-'));
}

/**
 * Writes `files` (path inside the folder → bytes) into `dir/name`, as
 * `docker buildx build --output type=oci,tar=false,dest=dir/name` would; returns that folder.
 */
export function writeFolder(dir: string, name: string, files: [string, Buffer][]): string {
  const root = path.join(dir, name);
  for (const [p, data] of files) {
    const file = path.join(root, ...p.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
  return root;
}
